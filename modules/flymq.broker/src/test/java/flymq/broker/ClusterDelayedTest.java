package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.delay.DelayedDelivery;
import flymq.client.FlyMqClient;
import flymq.client.Header;
import flymq.client.Message;
import flymq.client.ScheduledRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delayed delivery in a three-node cluster (docs/delayed-and-ttl.md, "In a cluster"): the schedule is replicated by
 * the partition's Raft group, the leader releases due records through it, and every replica's log holds each
 * delayed record exactly once, across cancels from other nodes, leader failover and a whole-cluster restart. Most
 * tests move one shared node clock instead of waiting; checks read each node's own copy of the partition.
 */
class ClusterDelayedTest {
    private static final long T0 = 1_800_000_000_000L; // a minute's start

    @TempDir
    Path dir;

    private ClusterHarness cluster;
    private final TestClock clock = new TestClock(T0);
    private final LogCapture logged = new LogCapture("flymq.broker.delay.PartitionSchedule");

    @AfterEach
    void close() {
        logged.detach();
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private int startClocked(long seed, String topic) throws Exception {
        cluster = new ClusterHarness(dir, seed, b -> { }).withClock(clock).startAll();
        return createTopic(topic);
    }

    private int createTopic(String topic) throws Exception {
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(cluster.metadataLeader())) {
            c.createTopic(topic, 1, 3);
        }
        return cluster.partitionLeader(topic, 0);
    }

    private static int other(int... not) {
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int candidate = i;
            if (java.util.Arrays.stream(not).noneMatch(n -> n == candidate)) {
                return i;
            }
        }
        throw new AssertionError("no other node");
    }

    /** The delay id a delivered record carries, or -1 for a record produced without a delay. */
    private static long delayId(Message m) {
        for (Header h : m.headers()) {
            if (h.key().equals(DelayedDelivery.DELIVERED_HEADER)) {
                return ByteBuffer.wrap(h.value()).getLong();
            }
        }
        return -1;
    }

    private List<Message> local(int i, String topic) {
        try {
            return cluster.localRecords(i, topic, 0);
        } catch (IOException | AssertionError e) {
            return null; // not served yet (a restarting node)
        }
    }

    /** Waits until every running node's own log of partition 0 holds exactly {@code values}, in this order. */
    private void awaitEverywhere(String topic, List<String> values) throws InterruptedException {
        String[] last = {""};
        try {
            ClusterHarness.await("every replica holding " + values, 30_000, () -> {
                for (int i = 0; i < ClusterHarness.SIZE; i++) {
                    if (!cluster.running(i)) {
                        continue;
                    }
                    List<Message> got = local(i, topic);
                    List<String> v = got == null ? null : got.stream().map(Message::valueAsString).toList();
                    if (!values.equals(v)) {
                        last[0] = ClusterHarness.id(i) + " holds " + v;
                        return false;
                    }
                }
                return true;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
        }
    }

    private void wakeAll() {
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            if (cluster.running(i)) {
                cluster.node(i).wakeDelayedDelivery();
            }
        }
    }

    private long pendingEverywhere() {
        long n = 0;
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            if (cluster.running(i)) {
                n += cluster.node(i).pendingDelayedRecords();
            }
        }
        return n;
    }

    @Test
    void aDelayedRecordAppearsOnceAtItsDueTimeOnEveryReplicaOnTheWallClock() throws Exception {
        cluster = new ClusterHarness(dir, 31, b -> { }).startAll();
        int leader = createTopic("d");
        int via = other(leader);
        ScheduledRecord s;
        try (FlyMqClient c = cluster.client(via)) {
            c.produce("d", utf8("plain"));
            s = c.produceDelayed("d", utf8("later"), Duration.ofMillis(700));
            assertEquals(0, s.partition());
            assertTrue(s.delayId() >= 0, "delay id " + s.delayId());
        }
        awaitEverywhere("d", List.of("plain", "later"));
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            Message delivered = local(i, "d").get(1);
            assertEquals(s.delayId(), delayId(delivered), ClusterHarness.id(i));
            // released by the leader's clock at or after the due time, never before
            assertTrue(delivered.timestamp() >= s.deliverAtMs(), ClusterHarness.id(i) + ": delivered at "
                    + delivered.timestamp() + ", due at " + s.deliverAtMs());
        }
        try (FlyMqClient c = cluster.client(other(leader, via))) {
            assertFalse(c.cancelDelayed("d", s.delayId()), "cancel after delivery");
        }
    }

    @Test
    void aCancelFromANodeThatDoesNotLeadThePartitionTakesTheRecordBackEverywhere() throws Exception {
        int leader = startClocked(32, "c");
        int follower = other(leader);
        ScheduledRecord kept;
        ScheduledRecord cancelled;
        try (FlyMqClient c = cluster.client(leader)) {
            cancelled = c.produceDelayed("c", utf8("cancelled"), Duration.ofMinutes(1));
            kept = c.produceDelayed("c", utf8("kept"), Duration.ofMinutes(1));
        }
        assertEquals(T0 + 60_000, cancelled.deliverAtMs());
        assertTrue(kept.delayId() != cancelled.delayId());
        assertEquals(2, pendingEverywhere(), "pending, counted once by the partition's leader");
        try (FlyMqClient c = cluster.client(follower)) {
            assertTrue(c.cancelDelayed("c", cancelled.delayId()), "cancel through " + ClusterHarness.id(follower));
            assertFalse(c.cancelDelayed("c", cancelled.delayId()), "cancelled twice");
            assertFalse(c.cancelDelayed("c", kept.delayId() + 1000), "an unknown id");
        }
        assertEquals(1, pendingEverywhere());
        clock.advance(Duration.ofMinutes(2));
        wakeAll();
        awaitEverywhere("c", List.of("kept"));
        ClusterHarness.await("nothing pending", 10_000, () -> pendingEverywhere() == 0);
        try (FlyMqClient c = cluster.client(follower)) {
            assertFalse(c.cancelDelayed("c", kept.delayId()), "cancel after delivery");
        }
    }

    @Test
    void aNewLeaderReleasesWhatTheStoppedLeaderHadPendingExactlyOnce() throws Exception {
        int leader = startClocked(33, "f");
        int via = other(leader);
        List<String> values = new ArrayList<>();
        try (FlyMqClient c = cluster.client(via)) {
            for (int i = 0; i < 40; i++) {
                values.add("r" + i);
                c.produceDelayed("f", utf8("r" + i), Duration.ofSeconds(30 + i));
            }
        }
        // due, then the leader goes at once: it may be releasing (a RELEASE proposed, committed or not) when it stops
        clock.advance(Duration.ofMinutes(2));
        wakeAll();
        cluster.stop(leader);
        wakeAll();
        awaitEverywhere("f", values);
        cluster.start(leader);
        cluster.awaitRegistered();
        awaitEverywhere("f", values);
        Set<Long> ids = new HashSet<>();
        for (Message m : local(leader, "f")) {
            assertTrue(ids.add(delayId(m)), "delay id " + delayId(m) + " delivered twice");
        }
        assertEquals(0, pendingEverywhere());
    }

    @Test
    void pendingRecordsSurviveAWholeClusterRestart() throws Exception {
        startClocked(34, "r");
        List<ScheduledRecord> scheduled = new ArrayList<>();
        try (FlyMqClient c = cluster.client(0)) {
            for (int i = 0; i < 10; i++) {
                scheduled.add(c.produceDelayed("r", utf8("v" + i), Duration.ofMinutes(1 + i % 3)));
            }
            assertTrue(c.cancelDelayed("r", scheduled.get(4).delayId()));
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            cluster.stop(i);
        }
        cluster.startAll();
        cluster.awaitRegistered();
        cluster.partitionLeader("r", 0);
        ClusterHarness.await("9 pending after the restart", 20_000, () -> pendingEverywhere() == 9);
        clock.advance(Duration.ofMinutes(5));
        wakeAll();
        // released in due order: minute 1 (v0 v3 v6 v9), minute 2 (v1 v7; v4 cancelled), minute 3 (v2 v5 v8)
        awaitEverywhere("r", List.of("v0", "v3", "v6", "v9", "v1", "v7", "v2", "v5", "v8"));
        ClusterHarness.await("nothing pending", 10_000, () -> pendingEverywhere() == 0);
        try (FlyMqClient c = cluster.client(1)) {
            assertFalse(c.cancelDelayed("r", scheduled.get(4).delayId()), "cancelled before the restart");
        }
    }

    /** Each schedule file under node {@code i}'s {@code delayed/} directory and its bytes. */
    private java.util.Map<String, String> scheduleFiles(int i) {
        java.util.Map<String, String> files = new java.util.TreeMap<>();
        Path root = dir.resolve(ClusterHarness.id(i)).resolve("delayed");
        if (!java.nio.file.Files.isDirectory(root)) {
            return files;
        }
        try (var walk = java.nio.file.Files.walk(root)) {
            for (Path p : walk.filter(java.nio.file.Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(),
                        java.util.HexFormat.of().formatHex(java.nio.file.Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            return java.util.Map.of("unreadable", e.toString());
        }
        return files;
    }

    private static java.util.Map<String, Integer> sizes(java.util.Map<String, String> files) {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        files.forEach((name, hex) -> out.put(name, hex.length() / 2));
        return out;
    }

    @Test
    void aReplicaThatMissedTheScheduleBehindASnapshotCopiesItFromTheLeader() throws Exception {
        logged.attach();
        // a snapshot, and so a compaction of the partition's Raft log, every 20 commits
        cluster = new ClusterHarness(dir, 35, b -> b.commitCountToTakeSnapshot(20)).withClock(clock).startAll();
        int leader = createTopic("s");
        int follower = other(leader);
        cluster.stop(follower);
        List<String> values = new ArrayList<>();
        try (FlyMqClient c = cluster.client(leader)) {
            long cancel = -1;
            for (int i = 0; i < 60; i++) {
                ScheduledRecord s = c.produceDelayed("s", utf8("v" + i), Duration.ofSeconds(60 + i));
                if (i == 5) {
                    cancel = s.delayId();
                } else {
                    values.add("v" + i);
                }
                if (i == 10) {
                    assertTrue(c.cancelDelayed("s", cancel)); // before the last snapshots: copied with them
                }
            }
        }
        cluster.start(follower);
        cluster.awaitRegistered();
        // the schedule files are written alike by every replica: the follower's copy must equal the leader's
        try {
            ClusterHarness.await("the follower's schedule files equal to the leader's", 30_000, () -> {
                java.util.Map<String, String> expected = scheduleFiles(leader);
                return !expected.isEmpty() && expected.equals(scheduleFiles(follower));
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": leader " + sizes(scheduleFiles(leader)) + ", follower "
                    + sizes(scheduleFiles(follower)), e);
        }
        assertTrue(logged.messages().stream().anyMatch(m -> m.contains("copying delayed entries 0..")),
                "the follower installed a snapshot and copied the schedule entries from the leader: " + logged);
        assertTrue(logged.messages().stream().anyMatch(m -> m.contains("copying 1 delayed-delivery cancel")), "" + logged);
        cluster.stop(leader);
        clock.advance(Duration.ofMinutes(3));
        wakeAll();
        awaitEverywhere("s", values);
    }
}
