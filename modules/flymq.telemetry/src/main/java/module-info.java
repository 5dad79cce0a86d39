/**
 * Metrics, tracing and health endpoints, served by Helidon SE. Knows nothing of the broker: it reads broker state
 * through {@link flymq.telemetry.StateSource} and is told about events through {@link flymq.telemetry.FlyMqMetrics}.
 */
module flymq.telemetry {
    requires java.management;
    requires io.helidon.webserver;
    requires io.helidon.metrics.api;
    requires io.helidon.health;
    requires io.helidon.common.media.type;
    requires io.helidon.http;

    uses io.helidon.metrics.spi.MeterRegistryFormatterProvider;

    exports flymq.telemetry;
}
