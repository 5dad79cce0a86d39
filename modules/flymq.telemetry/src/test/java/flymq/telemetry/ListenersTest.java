package flymq.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.telemetry.health.ListenerWatch;
import io.helidon.webserver.WebServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telemetry either owns both of its ports or does not start, and tells its owner when Helidon drops a listener on
 * its own (Helidon ends a listener whose accept loop caught an Error, and keeps the process running).
 */
class ListenersTest {
    @TempDir
    Path dataDir;

    private static TelemetryConfig config(String metrics, String health) {
        return new TelemetryConfig(true, metrics, health, TracingConfig.disabled(), "1.0.0-test");
    }

    @Test
    void aHealthPortInUseFailsTheStartNamingTheKeyThePortAndTheReason() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String health = "127.0.0.1:" + taken.getLocalPort();
            var e = assertThrows(IllegalStateException.class, () -> Telemetry.start(config("127.0.0.1:0", health),
                    MutableState.withOrdersAndBilling(dataDir)));
            assertEquals("cannot listen on observability.health.addr " + health + ": Address already in use",
                    e.getMessage());
        }
    }

    @Test
    void aMetricsPortInUseFailsTheStartAndLeavesTheHealthPortFree() throws Exception {
        int healthPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            healthPort = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String metrics = "127.0.0.1:" + taken.getLocalPort();
            var e = assertThrows(IllegalStateException.class, () -> Telemetry.start(
                    config(metrics, "127.0.0.1:" + healthPort), MutableState.withOrdersAndBilling(dataDir)));
            assertEquals("cannot listen on observability.metrics.addr " + metrics + ": Address already in use",
                    e.getMessage());
        }
        try (ServerSocket s = new ServerSocket(healthPort, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(healthPort, s.getLocalPort());
        }
    }

    @Test
    void anAddressThisHostDoesNotHaveFailsTheStart() {
        var e = assertThrows(IllegalStateException.class, () -> Telemetry.start(
                config("127.0.0.1:0", "192.0.2.1:9095"), MutableState.withOrdersAndBilling(dataDir)));
        assertTrue(e.getMessage().startsWith("cannot listen on observability.health.addr 192.0.2.1:9095: "),
                e.getMessage());
    }

    @Test
    void aListenerThatStopsOnItsOwnIsReportedOnce() {
        List<String> lost = new CopyOnWriteArrayList<>();
        WebServer server = WebServer.builder().shutdownHook(false).host("127.0.0.1").port(0)
                .routing(r -> r.register(new ListenerWatch("health listener on 127.0.0.1:0", () -> false, lost::add)))
                .build().start();
        server.stop();
        server.stop();
        assertEquals(List.of("health listener on 127.0.0.1:0 stopped"), lost);
    }

    @Test
    void aDeliberateStopIsNotReported() {
        List<String> lost = new CopyOnWriteArrayList<>();
        AtomicBoolean closing = new AtomicBoolean();
        WebServer server = WebServer.builder().shutdownHook(false).host("127.0.0.1").port(0)
                .routing(r -> r.register(new ListenerWatch("metrics listener", closing::get, lost::add)))
                .build().start();
        closing.set(true);
        server.stop();
        assertEquals(List.of(), lost);
    }

    @Test
    void closingTheTelemetryReportsNoLostListener() {
        List<String> lost = new CopyOnWriteArrayList<>();
        Telemetry t = Telemetry.start(config("127.0.0.1:0", "127.0.0.1:0"), MutableState.withOrdersAndBilling(dataDir),
                lost::add);
        assertTrue(t.metricsPort() > 0 && t.healthPort() > 0);
        t.close();
        assertEquals(List.of(), lost);
    }
}
