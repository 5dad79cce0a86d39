package flymq.telemetry;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code observability.metrics.enabled=false}: health is still served, nothing listens on the metrics address. */
class MetricsSwitchTest {

    @TempDir
    Path dataDir;

    @Test
    void metricsOffBindsNoMetricsListenerAndStillServesHealth() throws Exception {
        int metricsPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            metricsPort = probe.getLocalPort();
        }
        TelemetryConfig config = new TelemetryConfig(false, "127.0.0.1:" + metricsPort, "127.0.0.1:0",
                TracingConfig.disabled(), "1.0.0-test");
        try (Telemetry t = Telemetry.start(config, MutableState.withOrdersAndBilling(dataDir))) {
            assertEquals(-1, t.metricsPort());
            assertTrue(!t.metricsEnabled());
            assertEquals(200, Http.get(t.healthPort(), "/health").status());
            assertEquals(404, Http.get(t.healthPort(), "/metrics").status());
            // the configured metrics port is free: binding it succeeds
            try (ServerSocket s = new ServerSocket(metricsPort, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(metricsPort, s.getLocalPort());
            }
        }
    }

    @Test
    void metricsOnRefusesTheSamePortForBothListeners() {
        TelemetryConfig config = new TelemetryConfig(true, "127.0.0.1:19555", "127.0.0.1:19555",
                TracingConfig.disabled(), "1.0.0-test");
        var e = assertThrows(IllegalArgumentException.class,
                () -> Telemetry.start(config, MutableState.withOrdersAndBilling(dataDir)));
        assertTrue(e.getMessage().contains("19555"), e.getMessage());
    }
}
