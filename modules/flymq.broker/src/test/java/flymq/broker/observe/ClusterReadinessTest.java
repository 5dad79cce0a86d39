package flymq.broker.observe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static flymq.broker.observe.BrokerTelemetryTest.get;
import static flymq.broker.observe.ClusterTelemetryTest.await;
import static flymq.broker.observe.ClusterTelemetryTest.flags;
import static flymq.broker.TestPorts.freePort;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In a cluster, {@code /ready} waits for a metadata leader; {@code /health} says the cluster has none meanwhile. */
class ClusterReadinessTest {
    @TempDir
    Path dir;

    @Test
    void readyIs503UntilAMetadataLeaderIsKnown() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        try (BrokerNode n1 = BrokerNode.start(BrokerConfig.load(null, Map.of(), flags(dir, 1, ports, null)))) {
            int health = n1.healthPort().orElseThrow();
            String ready = get(health, "/ready");
            assertTrue(ready.startsWith("503 "), "one node of three has no quorum: " + ready);
            String h = get(health, "/health");
            assertTrue(h.contains("\"cluster\":{\"status\":\"degraded\",\"leader\":\"\""), h);
            String m = get(n1.metricsPort().orElseThrow(), "/metrics");
            assertTrue(m.contains("flymq_cluster_leader{node_id=\"n1\",} 0.0"), m);
            try (BrokerNode n2 = BrokerNode.start(BrokerConfig.load(null, Map.of(), flags(dir, 2, ports, null)))) {
                await("n1 ready once n1 and n2 elect a leader", () -> {
                    try {
                        return get(health, "/ready").startsWith("200 ");
                    } catch (IOException e) {
                        return false;
                    }
                });
                String after = get(health, "/health");
                assertTrue(after.matches("(?s).*\"cluster\":\\{\"status\":\"healthy\",\"leader\":\"n[12]\"}.*"), after);
            }
        }
    }
}
