package flymq.raft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower that receives a snapshot while its log holds uncommitted entries past the snapshot index from an old
 * term (a deposed leader's tail). MicroRaft 0.7 installs the snapshot but keeps that tail, and then rejects every
 * AppendEntries whose previous index is the snapshot index, because it looks for that entry in the log instead of
 * taking the snapshot's term; the leader, whose match index for the follower is that snapshot index, cannot go
 * lower, and the follower never catches up (the fault-injection test hit it about once in 30 runs).
 */
class SnapshotBoundaryTest {

    private static final int SNAPSHOT_EVERY = 10;

    @TempDir
    Path dataRoot;

    @Test
    void deposedLeaderWithAStaleTailPastTheSnapshotCatchesUpAfterInstallingIt() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot,
                b -> b.commitCountToTakeSnapshot(SNAPSHOT_EVERY))) {
            RaftGroup<Long> old = cluster.awaitAgreedLeader(Duration.ofSeconds(10));
            for (int i = 0; i < 3; i++) {
                old.replicate(bytes("before-" + i)).get(10, TimeUnit.SECONDS);
            }
            long common = old.commitIndex();
            cluster.awaitExplained("every member applying up to index " + common, Duration.ofSeconds(10),
                    () -> cluster.groups.values().stream().allMatch(g -> g.commitIndex() >= common));
            assertTrue(common < SNAPSHOT_EVERY, "the common prefix must end before the first snapshot: " + common);

            // cut the leader off; what it appends now stays uncommitted in its own term and reaches past the
            // index at which the others will take their snapshot
            cluster.network.isolate(old.localMember().id());
            List<CompletableFuture<?>> stale = new ArrayList<>();
            for (int i = 0; i < 2 * SNAPSHOT_EVERY; i++) {
                stale.add(old.replicate(bytes("stale-" + i)));
            }
            cluster.awaitExplained("a new leader on the majority side", Duration.ofSeconds(10),
                    () -> cluster.leader().filter(l -> !l.localMember().equals(old.localMember())).isPresent());
            RaftGroup<Long> leader = cluster.leader().orElseThrow();
            for (int i = 0; i < SNAPSHOT_EVERY + 3; i++) {
                leader.replicate(bytes("after-" + i)).get(10, TimeUnit.SECONDS);
            }
            long snapshot = leader.status().get(5, TimeUnit.SECONDS).snapshotIndex();
            assertTrue(snapshot > common, "the majority must have taken a snapshot past the common prefix");
            assertTrue(old.status().get(5, TimeUnit.SECONDS).lastLogIndex() > snapshot,
                    "the deposed leader's stale tail must reach past the snapshot index " + snapshot);

            cluster.network.heal();
            long target = leader.replicate(bytes("final")).get(10, TimeUnit.SECONDS).commitIndex();
            cluster.awaitExplained("the deposed leader applying up to index " + target, Duration.ofSeconds(15),
                    () -> old.commitIndex() >= target);

            assertEquals(1, cluster.logs.get(old.localMember().id()).snapshotsInstalled(),
                    "the deposed leader caught up through the snapshot");
            List<RegisterLog.Applied> expected = cluster.logs.get(leader.localMember().id()).applied().stream()
                    .filter(a -> a.index() <= target).toList();
            List<RegisterLog.Applied> applied = cluster.logs.get(old.localMember().id()).applied().stream()
                    .filter(a -> a.index() <= target).toList();
            assertEquals(expected, applied, "the deposed leader's history after catching up");
            assertTrue(applied.stream().noneMatch(a -> a.command().startsWith("stale-")),
                    "no stale entry of the deposed leader's term may be applied");
            for (CompletableFuture<?> f : stale) {
                assertTrue(f.isCompletedExceptionally(), "an entry the deposed leader never committed was acknowledged");
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
