package flymq.raft;

import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.InstallSnapshotResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower collecting a snapshot while the term changes. MicroRaft 0.7 notes each chunk it asked a member for and
 * asks nobody else for that chunk while the note stands. A request unanswered for a heartbeat period is given up and
 * the chunk asked of another member, but the give-up of that second request is bound to its term: if its answer is
 * lost as the term changes, the new leader's offers of the same snapshot ask for nothing and the follower never
 * installs it (ClusterReassignmentTest's restarted replica, about once in 8 runs). The repair is
 * {@code SnapshotTransferRepair}.
 */
class SnapshotTransferTest {

    @TempDir
    Path dataRoot;

    @Test
    void aFollowerWhoseTermChangesWhileItCollectsASnapshotStillInstallsIt() throws Exception {
        // a heartbeat period of a second: the follower's own give-up of a request comes long after the term changed
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b.heartbeatPeriod(Duration.ofSeconds(1))
                .leaderHeartbeatTimeout(Duration.ofSeconds(5)).hibernateWhenIdle(false))) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(Duration.ofSeconds(20));
            List<RaftGroup<Long>> followers = cluster.groups.values().stream().filter(g -> g != leader).toList();
            RaftGroup<Long> behind = followers.get(0);
            RaftGroup<Long> successor = followers.get(1);
            String behindId = behind.localMember().id();
            String leaderId = leader.localMember().id();

            long first = leader.replicate(bytes("before")).get(10, TimeUnit.SECONDS).commitIndex();
            cluster.awaitExplained(behindId + " applying index " + first, Duration.ofSeconds(10),
                    () -> behind.commitIndex() >= first);
            cluster.network.isolate(behindId);
            long last = 0;
            for (int i = 0; i < 5; i++) {
                last = leader.replicate(bytes("while-away-" + i)).get(10, TimeUnit.SECONDS).commitIndex();
            }
            long end = last;
            cluster.awaitExplained("the successor applying index " + end, Duration.ofSeconds(10),
                    () -> successor.commitIndex() >= end);
            // the leader and its successor hold the same snapshot and no entry below it: the member behind can
            // catch up only through that snapshot, from either of them
            long snapshot = leader.takeSnapshot(true).get(10, TimeUnit.SECONDS);
            assertEquals(snapshot, (long) successor.takeSnapshot(true).get(10, TimeUnit.SECONDS),
                    "the successor's snapshot is the leader's");
            // an entry past the snapshot on the successor: the leader then offers both as sources of the snapshot
            long past = leader.replicate(bytes("past-snapshot")).get(10, TimeUnit.SECONDS).commitIndex();
            cluster.awaitExplained("the leader counting the successor as holding the snapshot", Duration.ofSeconds(10),
                    () -> leader.status().join().followerMatchIndex()
                            .getOrDefault(successor.localMember().id(), 0L) >= past);

            // the chunks sent to the member behind are lost, and so are the successor's offers of the snapshot until
            // the successor leads and counts the old leader as holding it
            AtomicBoolean losing = new AtomicBoolean(true);
            // asked twice: the first source did not answer within a heartbeat period, the second source is asked by
            // MicroRaft's give-up task, which binds the next give-up to the term of now
            CountDownLatch asked = new CountDownLatch(2);
            cluster.network.sent = m -> {
                if (m instanceof InstallSnapshotResponse && m.getSender().equals(behind.localMember())) {
                    asked.countDown();
                }
            };
            cluster.network.lose = m -> losing.get() && m instanceof InstallSnapshotRequest r
                    && (r.getSnapshotChunk() != null || r.getSender().equals(successor.localMember()));
            cluster.network.heal();
            assertTrue(asked.await(10, TimeUnit.SECONDS), behindId + " asks both sources for the snapshot's chunk");

            leader.transferLeadership(successor.localMember()).get(10, TimeUnit.SECONDS);
            cluster.awaitExplained(behindId + " in the successor's term, the successor counting " + leaderId
                    + " as holding the snapshot", Duration.ofSeconds(10), () -> {
                        RaftStatus s = successor.status().join();
                        return s.role() == Role.LEADER && behind.status().join().term() == s.term()
                                && s.followerMatchIndex().getOrDefault(leaderId, 0L) > snapshot;
                    });
            losing.set(false);

            cluster.awaitExplained(behindId + " installing the snapshot at index " + snapshot, Duration.ofSeconds(10),
                    () -> cluster.logs.get(behindId).snapshotsInstalled() == 1);
            long target = successor.replicate(bytes("after")).get(10, TimeUnit.SECONDS).commitIndex();
            cluster.awaitExplained(behindId + " applying index " + target, Duration.ofSeconds(10),
                    () -> behind.commitIndex() >= target);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
