package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import flymq.broker.replication.ClusterBusyException;
import flymq.protocol.Acks;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.PartitionAppend;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The produce budget of a cluster node ({@code cluster.produce_inflight_bytes}): backpressure, then a typed error. */
class ClusterBudgetTest {

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<PartitionRecords> one(String topic, String value) {
        return List.of(new PartitionRecords(0, List.of(ProducerRecord.of(topic, value.getBytes(StandardCharsets.UTF_8)))));
    }

    @Test
    void aProduceFindingTheBudgetHeldByUncommittedBatchesWaitsThenIsRefusedAndIsAdmittedOnceTheyCommit()
            throws Exception {
        // Partition leaders keep leading for 4 s without followers, so the isolation below leaves the leader in place.
        cluster = new ClusterHarness(dir, 1, b -> b.leaderHeartbeatTimeout(Duration.ofSeconds(4)))
                .withFlags(Map.of("cluster.produce_inflight_bytes", "1024", "cluster.budget_wait_ms", "300"))
                .startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("budget", 1);
        }
        int leader = cluster.partitionLeader("budget", 0);
        try (FlyMqClient c = cluster.client(leader)) {
            // a committed batch settles the leader's offset forecast, so acks=leader answers before the commit
            assertEquals(0, c.batchProduce("budget", Acks.ALL, one("budget", "settled")).get(0).baseOffset());
        }
        cluster.network.only(g -> g.startsWith("p."));
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            if (i != leader) {
                cluster.network.isolate(ClusterHarness.id(i));
            }
        }
        try (FlyMqClient c = cluster.client(leader)) {
            // larger than the whole budget: admitted alone, and held until a majority has it
            PartitionAppend held = c.batchProduce("budget", Acks.LEADER, one("budget", "x".repeat(2000))).get(0);
            assertTrue(held.ok(), held.error());
            long start = System.nanoTime();
            PartitionAppend refused = c.batchProduce("budget", Acks.LEADER, one("budget", "refused")).get(0);
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertFalse(refused.ok());
            assertTrue(refused.error().startsWith(ClusterBusyException.PREFIX)
                    && refused.error().contains("cluster.produce_inflight_bytes (1024 bytes) stayed full for 300 ms"),
                    refused.error());
            assertTrue(waitedMs >= 300, "refused after " + waitedMs + " ms, before the 300 ms wait");
        }
        cluster.network.heal();
        try (FlyMqClient c = cluster.client(leader)) {
            // the held batch commits once the followers are back and gives its bytes back
            PartitionAppend after = c.batchProduce("budget", Acks.ALL, one("budget", "after")).get(0);
            assertTrue(after.ok(), after.error());
            assertEquals(2, after.baseOffset());
        }
        List<String> values = cluster.localRecords(leader, "budget", 0).stream().map(Message::valueAsString)
                .map(v -> v.length() > 10 ? "2000 x" : v).toList();
        assertEquals(List.of("settled", "2000 x", "after"), values);
    }
}
