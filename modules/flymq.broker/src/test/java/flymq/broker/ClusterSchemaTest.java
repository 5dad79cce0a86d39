package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry of a three-node cluster: changes go through the metadata Raft group (from any node), every
 * node enforces them, and they survive the loss of the metadata leader and a restart.
 */
class ClusterSchemaTest {
    static final byte[] V1 = utf8("{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},"
            + "\"required\":[\"id\"]}");
    static final byte[] V2 = utf8("{\"type\":\"object\",\"properties\":{\"id\":{\"type\":[\"integer\",\"string\"]}},"
            + "\"required\":[\"id\"]}");
    static final byte[] BREAKING = utf8("{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"boolean\"}},"
            + "\"required\":[\"id\"]}");

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private int latestVersion(int node, String subject) {
        try (FlyMqClient c = cluster.client(node)) {
            return c.getSchema(subject, 0).version();
        } catch (flymq.client.FlyMqException e) {
            return 0; // not there yet, or the node is still starting
        }
    }

    /** True once producing {@code value} through node {@code i} is refused by the schema; fails if it is stored. */
    private boolean refusedBySchema(int node, byte[] value) {
        try (FlyMqClient c = cluster.client(node)) {
            c.produce("orders", value);
        } catch (FlyMqServerException e) {
            return e.serverMessage().contains("record rejected by schema 'orders-value' version 1");
        } catch (flymq.client.FlyMqException e) {
            return false;
        }
        throw new AssertionError("node " + node + " stored a record that breaks orders-value");
    }

    @Test
    void registrationsReachEveryNodeAndSurviveLeaderLossAndRestart() throws Exception {
        cluster = new ClusterHarness(dir, 7, b -> { }).withFlags(Map.of("schema.enabled", "true")).startAll();
        cluster.awaitRegistered();
        int leader = cluster.metadataLeader();
        int follower = (leader + 1) % ClusterHarness.SIZE;
        try (FlyMqClient c = cluster.client(follower)) {
            assertEquals(1, c.registerSchema("orders-value", "json", V1).version(), "forwarded to the leader");
            FlyMqServerException e = assertThrows(FlyMqServerException.class,
                    () -> c.registerSchema("orders-value", "json", BREAKING));
            assertTrue(e.serverMessage().startsWith("schema for subject 'orders-value' is not BACKWARD compatible "
                    + "with version 1"), e.serverMessage());
            c.createTopic("orders", 1);
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("node " + i + " has orders-value v1", 10_000, () -> latestVersion(node,
                    "orders-value") == 1);
            // the new topic's partition may still be electing its leader: retry until the leader answers
            ClusterHarness.await("node " + i + " refuses a record that breaks the schema", 10_000,
                    () -> refusedBySchema(node, utf8("{\"id\":\"x\"}")));
        }

        cluster.stop(leader);
        int next = cluster.metadataLeader();
        try (FlyMqClient c = cluster.client(next)) {
            assertEquals(2, c.registerSchema("orders-value", "json", V2).version());
        }
        cluster.start(leader);
        ClusterHarness.await("the restarted node has v2", 20_000, () -> latestVersion(leader, "orders-value") == 2);
        try (FlyMqClient c = cluster.client(leader)) {
            assertEquals(2, c.listSchemas("orders").size());
        }
    }
}
