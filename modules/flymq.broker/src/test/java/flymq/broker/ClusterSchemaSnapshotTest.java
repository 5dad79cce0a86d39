package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import flymq.client.FlyMqClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that was down while schemas were registered, and whose missed metadata entries were compacted into a
 * snapshot meanwhile, gets the registry from the snapshot's schema section when it comes back.
 */
class ClusterSchemaSnapshotTest {
    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private int versions(int node, String subject) {
        try (FlyMqClient c = cluster.client(node)) {
            return c.getSchema(subject, 0).version();
        } catch (flymq.client.FlyMqException e) {
            return 0; // not there yet, or the node is still starting
        }
    }

    @Test
    void aNodeCatchingUpFromASnapshotGetsTheSchemas() throws Exception {
        cluster = new ClusterHarness(dir, 11, b -> b.commitCountToTakeSnapshot(5), b -> { }).startAll();
        cluster.awaitRegistered();
        int leader = cluster.metadataLeader();
        int away = (leader + 1) % ClusterHarness.SIZE;
        cluster.stop(away);
        try (FlyMqClient c = cluster.client(leader)) {
            for (int v = 1; v <= 12; v++) {
                // each version widens the last one: {"maxLength": 100 * v}
                byte[] schema = ("{\"type\":\"string\",\"maxLength\":" + 100 * v + "}").getBytes(StandardCharsets.UTF_8);
                assertEquals(v, c.registerSchema("notes-value", "json", schema).version());
            }
        }
        cluster.start(away);
        ClusterHarness.await("the returning node has all 12 versions", 30_000, () -> versions(away, "notes-value") == 12);
        try (FlyMqClient c = cluster.client(away)) {
            assertEquals(12, c.listSchemas("notes").size());
        }
    }
}
