package flymq.cli.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.StubHttp;
import flymq.cli.output.Json;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** health and metrics against the broker's real Helidon endpoints (BrokerNode.start starts its telemetry). */
class RealEndpointsTest {
    @TempDir
    static Path dir;
    static BrokerNode node;
    static String server;
    static String metricsUrl;
    static String healthUrl;

    @BeforeAll
    static void start() throws Exception {
        int metrics = StubHttp.closedPort();
        int health = StubHttp.closedPort();
        node = BrokerNode.start(BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0", "node_id", "node-1", "data_dir", dir.toString(),
                "observability.metrics.addr", "127.0.0.1:" + metrics,
                "observability.health.addr", "127.0.0.1:" + health)));
        server = "127.0.0.1:" + node.boundPort();
        metricsUrl = "http://127.0.0.1:" + metrics + "/metrics";
        healthUrl = "http://127.0.0.1:" + health;
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void healthCheckLiveAndReadyAnswerZero() {
        var check = Cli.run("health", "check", "--wait", "10s", "--health-url", healthUrl, "-o", "json");
        assertEquals(ExitCode.OK, check.code(), check.toString());
        assertEquals("healthy", ((Map<?, ?>) Json.parse(check.out())).get("status"));
        assertEquals(ExitCode.OK, Cli.run("health", "live", "--health-url", healthUrl).code());
        assertEquals(ExitCode.OK, Cli.run("health", "ready", "--health-url", healthUrl).code());
    }

    @Test
    void metricsShowsWhatTheBrokerCounted() {
        Cli.run("--server", server, "topic", "create", "measured", "--partitions", "2");
        Cli.run("--server", server, "produce", "measured", "x", "--partition", "0");
        var r = Cli.run("metrics", "--metrics-url", metricsUrl, "--grep", "topic=measured");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("flymq_topic_partitions\\s+gauge\\s+topic=measured\\s+2")),
                r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("flymq_messages_produced_total\\s+counter\\s+topic=measured\\s+1")),
                r.out());
    }
}
