package flymq.telemetry;

final class TestConfigs {
    static TelemetryConfig ephemeral() {
        return new TelemetryConfig("127.0.0.1:0", "127.0.0.1:0", TracingConfig.disabled(), "1.0.0-test");
    }

    private TestConfigs() {
    }
}
