package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.Message;
import flymq.client.PartitionAppend;
import flymq.client.PartitionFetch;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.client.RequestTimeoutException;
import flymq.protocol.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replication data path of a three-node cluster: acks levels, routing of the batch opcodes, group state. */
class ClusterReplicationTest {
    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<PartitionRecords> one(String topic, int partition, String value) {
        return List.of(new PartitionRecords(partition, List.of(ProducerRecord.of(topic, b(value)))));
    }

    private static List<String> values(List<Message> records) {
        return records.stream().map(Message::valueAsString).toList();
    }

    @Test
    void acksLeaderAndNoneAreAnsweredBeforeAMajorityHasTheBatchButAcksAllIsNot() throws Exception {
        // Partition leaders keep leading for 4 s without followers, so the isolation below leaves the leader in place.
        cluster = new ClusterHarness(dir, 1, b -> b.leaderHeartbeatTimeout(Duration.ofSeconds(4))).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("acks", 1);
        }
        int leader = cluster.partitionLeader("acks", 0);
        try (FlyMqClient c = cluster.client(leader)) {
            // a committed batch settles the leader's offset forecast
            assertEquals(0, c.batchProduce("acks", Acks.ALL, one("acks", 0, "settled")).get(0).baseOffset());
        }
        cluster.network.only(g -> g.startsWith("p."));
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            if (i != leader) {
                cluster.network.isolate(ClusterHarness.id(i));
            }
        }
        try (FlyMqClient c = cluster.client(leader)) {
            PartitionAppend byLeader = c.batchProduce("acks", Acks.LEADER, one("acks", 0, "by-leader")).get(0);
            assertTrue(byLeader.ok(), byLeader.error());
            assertEquals(1, byLeader.baseOffset());
            PartitionAppend none = c.batchProduce("acks", Acks.NONE, one("acks", 0, "fire-and-forget")).get(0);
            assertEquals(2, none.baseOffset());
        }
        try (FlyMqClient c = cluster.client(leader, Duration.ofMillis(1000))) {
            assertThrows(RequestTimeoutException.class,
                    () -> c.batchProduce("acks", Acks.ALL, one("acks", 0, "needs-a-majority")));
        }
        // Consumers see committed records only: the answered batches are not readable yet, even on the leader.
        assertEquals(List.of("settled"), values(cluster.localRecords(leader, "acks", 0)));
        cluster.network.heal();
        List<String> expected = List.of("settled", "by-leader", "fire-and-forget", "needs-a-majority");
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("every batch on n" + (node + 1), 15_000,
                    () -> uncheckedLocal(node, "acks", 0).size() == expected.size());
            assertEquals(expected, values(cluster.localRecords(node, "acks", 0)), "records of n" + (node + 1));
        }
    }

    private List<Message> uncheckedLocal(int node, String topic, int partition) {
        try {
            return cluster.localRecords(node, topic, partition);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void inSyncReplicasDropAFollowerThatStopsAcknowledgingAndTakeItBackAfterwards() throws Exception {
        cluster = new ClusterHarness(dir, 6, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("isr", 1);
        }
        int leader = cluster.partitionLeader("isr", 0);
        String follower = ClusterHarness.id((leader + 1) % ClusterHarness.SIZE);
        try (FlyMqClient c = cluster.client(leader)) {
            ClusterHarness.await("every replica in sync", 10_000, () -> isr(c).size() == 3);
            cluster.network.only(g -> g.startsWith("p."));
            cluster.network.isolate(follower);
            ClusterHarness.await(follower + " out of the ISR", 10_000,
                    () -> isr(c).size() == 2 && !isr(c).contains(follower));
            assertTrue(isr(c).contains(ClusterHarness.id(leader)));
            cluster.network.heal();
            ClusterHarness.await(follower + " back in the ISR", 10_000, () -> isr(c).contains(follower));
        }
    }

    private static List<String> isr(FlyMqClient c) {
        return c.clusterMetadata("isr").topics().get(0).partitions().get(0).isr();
    }

    @Test
    void batchProduceAndBatchFetchThroughAnyNodeReachEveryPartitionsLeader() throws Exception {
        cluster = new ClusterHarness(dir, 2, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("spread", 3);
        }
        for (int p = 0; p < 3; p++) {
            cluster.partitionLeader("spread", p);
        }
        for (int via = 0; via < ClusterHarness.SIZE; via++) {
            List<PartitionRecords> groups = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                groups.add(new PartitionRecords(p, List.of(ProducerRecord.of("spread", b("via" + via + "-p" + p)))));
            }
            try (FlyMqClient c = cluster.client(via)) {
                List<PartitionAppend> answers = c.batchProduce("spread", Acks.ALL, groups);
                for (int p = 0; p < 3; p++) {
                    assertTrue(answers.get(p).ok(), "via n" + (via + 1) + ": " + answers.get(p).error());
                    assertEquals(p, answers.get(p).partition());
                    assertEquals(via, answers.get(p).baseOffset());
                }
            }
        }
        for (int via = 0; via < ClusterHarness.SIZE; via++) {
            try (FlyMqClient c = cluster.client(via)) {
                List<PartitionFetch> fetched = c.batchFetch("spread",
                        List.of(new FetchPosition(2, 0), new FetchPosition(0, 0), new FetchPosition(1, 1)), 1 << 20);
                assertEquals(List.of("via0-p2", "via1-p2", "via2-p2"), values(fetched.get(0).records()));
                assertEquals(List.of("via0-p0", "via1-p0", "via2-p0"), values(fetched.get(1).records()));
                assertEquals(List.of("via1-p1", "via2-p1"), values(fetched.get(2).records()));
                assertEquals(1, fetched.get(2).records().get(0).offset());
            }
        }
    }

    @Test
    void aBatchThroughThePartitionsLeaderIsAnsweredInOrderWhetherOrNotTheNodeChoosesAPartition() throws Exception {
        cluster = new ClusterHarness(dir, 2, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("direct", 1);
        }
        int leader = cluster.partitionLeader("direct", 0);
        try (FlyMqClient c = cluster.client(leader)) {
            // a group with partition -1 has its partition chosen by the node, so the request is re-encoded
            List<PartitionAppend> chosen = c.batchProduce("direct", Acks.ALL, List.of(
                    new PartitionRecords(0, List.of(ProducerRecord.of("direct", b("a")),
                            ProducerRecord.of("direct", b("b")))),
                    new PartitionRecords(-1, List.of(ProducerRecord.of("direct", b("c")))),
                    new PartitionRecords(0, List.of(ProducerRecord.of("direct", b("d"))))));
            assertEquals(List.of(0L, 2L, 3L), chosen.stream().map(PartitionAppend::baseOffset).toList());
            // every group names the leader's partition: the request goes to the partition as the client sent it
            List<PartitionAppend> asSent = c.batchProduce("direct", Acks.ALL, List.of(
                    new PartitionRecords(0, List.of(ProducerRecord.of("direct", b("e")))),
                    new PartitionRecords(0, List.of(ProducerRecord.of("direct", b("f")),
                            ProducerRecord.of("direct", b("g"))))));
            assertEquals(List.of(4L, 5L), asSent.stream().map(PartitionAppend::baseOffset).toList());
            assertEquals(List.of(0, 0), asSent.stream().map(PartitionAppend::partition).toList());
            List<PartitionFetch> fetched = c.batchFetch("direct", List.of(new FetchPosition(0, 0)), 1 << 20);
            assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), values(fetched.get(0).records()));
        }
    }

    @Test
    void resetAndDeleteGroupAreReplicatedAndSurviveTheLossOfTheMetadataLeader() throws Exception {
        cluster = new ClusterHarness(dir, 3, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("orders", 1);
        }
        int leader = cluster.partitionLeader("orders", 0);
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 5; i++) {
                c.batchProduce("orders", Acks.ALL, one("orders", 0, "o" + i));
            }
        }
        int metadataLeader = cluster.metadataLeader();
        int follower = (metadataLeader + 1) % ClusterHarness.SIZE;
        try (FlyMqClient c = cluster.client(follower)) {
            c.commit("orders", "billing", 0, 1);
            c.commit("orders", "audit", 0, 2);
            c.resetOffsetToLatest("orders", "billing", 0); // resolved on the partition leader: 5
            c.deleteGroup("orders", "audit");
        }
        cluster.stop(metadataLeader);
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            if (!cluster.running(i)) {
                continue;
            }
            try (FlyMqClient c = cluster.client(i)) {
                int node = i;
                ClusterHarness.await("the reset offset on n" + (node + 1), 15_000, () -> {
                    try {
                        return c.getOffset("orders", "billing", 0) == 5;
                    } catch (FlyMqServerException e) {
                        return false;
                    }
                });
                FlyMqServerException gone = assertThrows(FlyMqServerException.class,
                        () -> c.getOffset("orders", "audit", 0));
                assertTrue(gone.getMessage().contains("consumer group not found"), gone.getMessage());
            }
        }
        cluster.metadataLeader();
        try (FlyMqClient c = cluster.client(cluster.firstRunning())) {
            c.resetOffset("orders", "billing", 0, 3); // the new metadata leader takes group writes
            FlyMqServerException missing = assertThrows(FlyMqServerException.class,
                    () -> c.deleteGroup("orders", "never-existed"));
            assertTrue(missing.getMessage().contains("consumer group not found"), missing.getMessage());
        }
        cluster.start(metadataLeader);
        try (FlyMqClient c = cluster.client(metadataLeader)) {
            ClusterHarness.await("the restarted node catches up with the reset", 15_000, () -> {
                try {
                    return c.getOffset("orders", "billing", 0) == 3;
                } catch (FlyMqServerException e) {
                    return false;
                }
            });
        }
    }

    @Test
    void wholeClusterRestartKeepsTopicsRecordsAndOffsets() throws Exception {
        cluster = new ClusterHarness(dir, 4, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("kept", 2);
        }
        List<List<String>> written = List.of(new ArrayList<>(), new ArrayList<>());
        for (int p = 0; p < 2; p++) {
            int leader = cluster.partitionLeader("kept", p);
            try (FlyMqClient c = cluster.client(leader)) {
                for (int i = 0; i < 20; i++) {
                    String v = "p" + p + "-" + i;
                    assertTrue(c.batchProduce("kept", Acks.ALL, one("kept", p, v)).get(0).ok());
                    written.get(p).add(v);
                }
            }
        }
        try (FlyMqClient c = cluster.client(1)) {
            c.commit("kept", "readers", 0, 7);
            c.commit("kept", "readers", 1, 11);
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            cluster.stop(i);
        }
        cluster.startAll();
        cluster.awaitRegistered();
        for (int p = 0; p < 2; p++) {
            cluster.partitionLeader("kept", p);
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            try (FlyMqClient c = cluster.client(i)) {
                assertTrue(c.listTopics().contains("kept"), "topic on n" + (i + 1));
                for (int p = 0; p < 2; p++) {
                    assertEquals(written.get(p), values(c.batchFetch("kept", List.of(new FetchPosition(p, 0)),
                            1 << 20).get(0).records()), "records of kept-" + p + " through n" + (i + 1));
                    assertEquals(written.get(p), values(cluster.localRecords(i, "kept", p)),
                            "n" + (i + 1) + "'s own replica of kept-" + p);
                }
                assertEquals(7, c.getOffset("kept", "readers", 0));
                assertEquals(11, c.getOffset("kept", "readers", 1));
            }
        }
    }
}
