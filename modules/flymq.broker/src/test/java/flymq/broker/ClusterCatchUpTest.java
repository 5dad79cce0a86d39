package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A partition follower that missed entries the leader has compacted away catches up from a snapshot. */
class ClusterCatchUpTest {
    @TempDir
    Path dir;

    private ClusterHarness cluster;
    private final LogCapture logged = new LogCapture("flymq.broker.replication.ReplicaCatchUp");

    @AfterEach
    void close() {
        logged.detach();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void restartedFollowerCopiesTheRecordsBehindTheLeadersSnapshotAndServesEveryRecord() throws Exception {
        logged.attach();
        // a snapshot, and so a compaction of the partition's Raft log, every 20 commits
        cluster = new ClusterHarness(dir, 5, b -> b.commitCountToTakeSnapshot(20)).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("lagging", 1);
        }
        int leader = cluster.partitionLeader("lagging", 0);
        int follower = (leader + 1) % ClusterHarness.SIZE;
        List<String> written = new ArrayList<>();
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 10; i++) {
                produce(c, written, "before-" + i, 1);
            }
            ClusterHarness.await("the follower's first records", 10_000,
                    () -> local(follower).size() == written.size());
            cluster.stop(follower);
            for (int i = 0; i < 150; i++) {
                produce(c, written, "missed-" + i, 1 + i % 3); // 150 commits: several snapshots behind the follower
            }
        }
        cluster.start(follower);
        ClusterHarness.await("the restarted follower's log to reach " + written.size() + " records", 30_000,
                () -> local(follower).size() >= written.size());
        List<Message> held = local(follower);
        assertEquals(written, held.stream().map(Message::valueAsString).toList());
        for (int i = 0; i < held.size(); i++) {
            assertEquals(i, held.get(i).offset());
        }
        assertTrue(logged.messages().stream().anyMatch(m -> m.contains("copied offsets 10..")),
                "the follower caught up through a snapshot install and a copy from the leader: " + logged);
        // and it keeps replicating what comes after the snapshot
        try (FlyMqClient c = cluster.client(cluster.partitionLeader("lagging", 0))) {
            produce(c, written, "after", 1);
        }
        ClusterHarness.await("the record produced after the catch-up", 10_000,
                () -> local(follower).size() == written.size());
        assertEquals("after", local(follower).get(written.size() - 1).valueAsString());
    }

    @Test
    void aReplicaRestartedWithASnapshotBeyondItsLogCopiesTheRestBeforeItServesAnyRead() throws Exception {
        logged.attach();
        // every member snapshots every 20 commits, so a stopped follower keeps a snapshot in its own Raft state
        cluster = new ClusterHarness(dir, 6, b -> b.commitCountToTakeSnapshot(20)).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("lagging", 1);
        }
        int leader = cluster.partitionLeader("lagging", 0);
        int follower = (leader + 1) % ClusterHarness.SIZE;
        List<String> written = new ArrayList<>();
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 30; i++) {
                produce(c, written, "before-" + i, 1);
            }
        }
        ClusterHarness.await("the follower's copy", 10_000, () -> local(follower).size() == written.size());
        cluster.stop(follower);
        // The follower's partition log lost what its persisted snapshot stands for (a tail that never reached the
        // disk, a replaced volume): on restart MicroRaft restores that snapshot while the member is starting, before
        // it has heard from any leader, and the records behind it must still be copied from another replica.
        Path logDir = dir.resolve(ClusterHarness.id(follower)).resolve("logs").resolve("lagging-0");
        assertTrue(java.nio.file.Files.isDirectory(logDir), "the follower's log of lagging-0 at " + logDir);
        try (var walk = java.nio.file.Files.walk(logDir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
        logged.messages().clear();
        cluster.start(follower);
        cluster.awaitRegistered();
        assertTrue(logged.messages().stream().anyMatch(m -> m.contains("copied offsets 0..")),
                "the restarted follower copied what its restored snapshot stands for while it started: " + logged);
        // every read through the restarted node is whole (never a short "no more records"), or it is refused
        for (int round = 0; round < 3; round++) {
            List<Message> read = new ArrayList<>();
            ClusterHarness.await("a read through the restarted node", 30_000, () -> {
                try (FlyMqClient c = cluster.client(follower)) {
                    return PartitionHistory.readAll(c, "lagging", 0, read);
                }
            });
            assertEquals(written, read.stream().map(Message::valueAsString).toList(),
                    "a read through the restarted node " + ClusterHarness.id(follower));
        }
        ClusterHarness.await("the restarted follower's own copy", 30_000,
                () -> local(follower).size() >= written.size());
        assertEquals(written, local(follower).stream().map(Message::valueAsString).toList());
        // its replica runs again: it takes what is produced next
        try (FlyMqClient c = cluster.client(cluster.partitionLeader("lagging", 0))) {
            produce(c, written, "after", 1);
        }
        ClusterHarness.await("the record produced after the restart", 10_000,
                () -> local(follower).size() == written.size());
    }

    @Test
    void aRestartedReplicaThatCannotCopyYetRefusesReadsInsteadOfAnsweringFromItsIncompleteLog() throws Exception {
        cluster = new ClusterHarness(dir, 7, b -> b.commitCountToTakeSnapshot(20)).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("lagging", 1);
        }
        int leader = cluster.partitionLeader("lagging", 0);
        int follower = (leader + 1) % ClusterHarness.SIZE;
        List<String> written = new ArrayList<>();
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 30; i++) {
                produce(c, written, "before-" + i, 1);
            }
        }
        ClusterHarness.await("the follower's copy", 10_000, () -> local(follower).size() == written.size());
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            cluster.stop(i);
        }
        Path logDir = dir.resolve(ClusterHarness.id(follower)).resolve("logs").resolve("lagging-0");
        try (var walk = java.nio.file.Files.walk(logDir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
        // alone, the follower has no leader and no replica to copy from: its copy of lagging-0 stays empty
        cluster.start(follower);
        try (FlyMqClient c = cluster.client(follower)) {
            for (int round = 0; round < 2; round++) {
                List<Message> read = new ArrayList<>();
                boolean answered = PartitionHistory.readAll(c, "lagging", 0, read);
                assertTrue(!answered && read.isEmpty(), "a read through a node that cannot hold the partition's"
                        + " records yet is refused (retriable), never answered with no records: " + read.size());
            }
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            if (i != follower) {
                cluster.start(i);
            }
        }
        cluster.awaitRegistered();
        List<Message> read = new ArrayList<>();
        ClusterHarness.await("a read through the follower once it could copy", 60_000, () -> {
            try (FlyMqClient c = cluster.client(follower)) {
                return PartitionHistory.readAll(c, "lagging", 0, read);
            }
        });
        assertEquals(written, read.stream().map(Message::valueAsString).toList());
        ClusterHarness.await("the follower's own copy", 60_000, () -> local(follower).size() >= written.size());
        assertEquals(written, local(follower).stream().map(Message::valueAsString).toList());
    }

    private static void produce(FlyMqClient c, List<String> written, String prefix, int count) {
        List<ProducerRecord> records = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            String v = count == 1 ? prefix : prefix + "." + r;
            records.add(ProducerRecord.of("lagging", v.getBytes(StandardCharsets.UTF_8)));
            written.add(v);
        }
        var answer = c.batchProduce("lagging", Acks.ALL, List.of(new PartitionRecords(0, records))).get(0);
        assertTrue(answer.ok(), answer.error());
        assertEquals(written.size() - count, answer.baseOffset());
    }

    private List<Message> local(int node) {
        try {
            return cluster.localRecords(node, "lagging", 0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
