package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.ClusterMetadata;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.PartitionAppend;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CREATE_PARTITIONS on a single node and in a three-node cluster: the new partitions get replicas and Raft groups
 * on every node, take records through any node, survive a restart, and a smaller count is refused with the facts.
 */
class ClusterTopicGrowthTest {
    private static final String TOPIC = "grow";

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static PartitionAppend produce(FlyMqClient c, int partition, String value) {
        return c.batchProduce(TOPIC, Acks.ALL, List.of(new PartitionRecords(partition,
                List.of(ProducerRecord.of(TOPIC, value.getBytes(StandardCharsets.UTF_8)))))).getFirst();
    }

    @Test
    void aSingleNodeAddsPartitionsAndRefusesFewer() {
        try (TestBroker broker = TestBroker.start(dir.resolve("single"));
             FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + broker.port())) {
            c.createTopic(TOPIC, 2);
            assertEquals("", produce(c, 1, "old").error());
            c.createPartitions(TOPIC, 5);
            assertEquals(5, c.metadata(TOPIC).partitionCount());
            PartitionAppend p4 = produce(c, 4, "new");
            assertEquals("", p4.error());
            assertEquals(0, p4.baseOffset());
            c.createPartitions(TOPIC, 5); // the same count again: nothing changes, no error
            FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> c.createPartitions(TOPIC, 3));
            assertEquals("topic grow has 5 partitions; partitions can be added but not removed (asked for 3)",
                    e.serverMessage());
            assertEquals(5, c.metadata(TOPIC).partitionCount());
            assertEquals(1, c.metadata(TOPIC).partitions().get(1).endOffset(), "old records stay where they were");
        }
    }

    @Test
    void newPartitionsGetReplicasOnEveryNodeTakeRecordsAndSurviveARestart() throws Exception {
        cluster = new ClusterHarness(dir, 31, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic(TOPIC, 2, 3);
        }
        for (int p = 0; p < 2; p++) {
            cluster.partitionLeader(TOPIC, p);
        }
        int follower = (cluster.metadataLeader() + 1) % ClusterHarness.SIZE;
        try (FlyMqClient c = cluster.client(follower)) {
            assertEquals("", produce(c, 0, "before").error());
            c.createPartitions(TOPIC, 4); // forwarded to the metadata leader
        }
        for (int p = 2; p < 4; p++) {
            cluster.partitionLeader(TOPIC, p); // every node names the same elected leader
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            try (FlyMqClient c = cluster.client(i)) {
                ClusterMetadata.Topic t = c.clusterMetadata(TOPIC).topic(TOPIC).orElseThrow();
                assertEquals(4, t.partitions().size(), "partitions on node " + ClusterHarness.id(i));
                for (ClusterMetadata.Partition p : t.partitions()) {
                    assertEquals(3, p.replicas().size(), "replicas of partition " + p.partition());
                }
                PartitionAppend a = produce(c, 3, "new-" + i);
                assertEquals("", a.error(), "produce to the new partition through " + ClusterHarness.id(i));
                assertEquals(i, a.baseOffset());
            }
        }
        try (FlyMqClient c = cluster.client(follower)) {
            FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> c.createPartitions(TOPIC, 3));
            assertTrue(e.serverMessage().contains("topic grow has 4 partitions; partitions can be added but not "
                    + "removed (asked for 3)"), e.serverMessage());
        }
        // every replica holds the new partition's records, also after a restart
        ClusterHarness.await("partition 3 on every node", 20_000, () -> {
            for (int i = 0; i < ClusterHarness.SIZE; i++) {
                try {
                    if (cluster.localRecords(i, TOPIC, 3).size() != ClusterHarness.SIZE) {
                        return false;
                    }
                } catch (Exception | AssertionError e) {
                    return false;
                }
            }
            return true;
        });
        cluster.stop(follower);
        cluster.start(follower);
        cluster.awaitRegistered();
        cluster.partitionLeader(TOPIC, 3);
        assertEquals(List.of("new-0", "new-1", "new-2"), cluster.localRecords(follower, TOPIC, 3).stream()
                .map(m -> m.valueAsString()).toList());
        try (FlyMqClient c = cluster.client(follower)) {
            assertEquals(4, c.metadata(TOPIC).partitionCount());
            assertEquals("", produce(c, 2, "after-restart").error());
        }
    }
}
