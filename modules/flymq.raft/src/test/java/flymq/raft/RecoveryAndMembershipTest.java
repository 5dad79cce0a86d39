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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoveryAndMembershipTest {

    @TempDir
    Path dataRoot;

    private static List<String> replicateAll(RaftGroup<Long> leader, String prefix, int count) throws Exception {
        List<CompletableFuture<Committed<Long>>> futures = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String c = prefix + i;
            commands.add(c);
            futures.add(leader.replicate(c.getBytes(StandardCharsets.UTF_8)));
        }
        for (CompletableFuture<Committed<Long>> f : futures) {
            f.get(10, TimeUnit.SECONDS);
        }
        return commands;
    }

    private static List<String> commands(RegisterLog log) {
        return log.applied().stream().map(RegisterLog.Applied::command).toList();
    }

    @Test
    void wholeClusterRestartedFromItsDataDirsRestoresEveryCommittedCommand() throws Exception {
        List<String> expected;
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b.commitCountToTakeSnapshot(50))) {
            expected = replicateAll(cluster.awaitAgreedLeader(Duration.ofSeconds(10)), "r", 130);
        }
        // fresh state machines: everything they hold after the restart came from snapshot + log on disk
        try (InProcessCluster restarted = new InProcessCluster(3, dataRoot, b -> b.commitCountToTakeSnapshot(50))) {
            restarted.awaitLeader(Duration.ofSeconds(10));
            for (var e : restarted.logs.entrySet()) {
                InProcessCluster.await(e.getKey() + " restoring 130 commands", Duration.ofSeconds(10),
                        () -> commands(e.getValue()).size() >= 130);
                assertEquals(expected, commands(e.getValue()).subList(0, 130), "restored history of " + e.getKey());
            }
            Committed<Long> more = restarted.replicate("after-restart", Duration.ofSeconds(10));
            assertTrue(more.commitIndex() > 130, "new commands continue the restored log, got " + more.commitIndex());
        }
    }

    @Test
    void laggingFollowerCatchesUpByInstallingASnapshot() throws Exception {
        // a patient leader timeout: this test is about catching up, and on a loaded machine a 400 ms one lets the
        // leader lose office while the lagging follower is cut off (the commands' outcome then becomes unknown)
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b.commitCountToTakeSnapshot(20)
                .leaderHeartbeatTimeout(Duration.ofSeconds(3)))) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(Duration.ofSeconds(10));
            String lagging = cluster.groups.keySet().stream().filter(id -> !id.equals(leader.localMember().id()))
                    .findFirst().orElseThrow();
            cluster.network.isolate(lagging);
            List<String> expected = replicateAll(leader, "s", 400);
            cluster.network.heal();
            RegisterLog log = cluster.logs.get(lagging);
            InProcessCluster.await(lagging + " catching up", Duration.ofSeconds(15),
                    () -> commands(log).size() >= 400);
            assertEquals(expected, commands(log).subList(0, 400));
            assertTrue(log.snapshotsInstalled() >= 1, lagging + " caught up without installing a snapshot");
        }
    }

    @Test
    void memberAddedAtRunTimeCatchesUpAndARemovedMemberNoLongerCounts() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b.commitCountToTakeSnapshot(40))) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(Duration.ofSeconds(10));
            List<String> before = replicateAll(leader, "m", 100);

            RaftMember n4 = InProcessCluster.member(4);
            cluster.start(n4); // joins: its initial members are the founders, it is not among them
            List<RaftMember> members = leader.addMember(n4).get(10, TimeUnit.SECONDS);
            assertEquals(4, members.size(), "members after join: " + members);
            RegisterLog joined = cluster.logs.get("n4");
            InProcessCluster.await("n4 catching up", Duration.ofSeconds(10), () -> commands(joined).size() >= 100);
            assertEquals(before, commands(joined).subList(0, 100));

            RaftMember removed = cluster.groups.values().stream().map(RaftGroup::localMember)
                    .filter(m -> !m.equals(leader.localMember()) && !m.equals(n4)).findFirst().orElseThrow();
            List<RaftMember> afterLeave = leader.removeMember(removed).get(10, TimeUnit.SECONDS);
            assertEquals(3, afterLeave.size());
            assertTrue(!afterLeave.contains(removed), "removed member still listed: " + afterLeave);
            cluster.stop(removed.id());

            // with 3 members left, the leader and n4 form a majority even while the third is cut off
            String third = cluster.groups.keySet().stream()
                    .filter(id -> !id.equals(leader.localMember().id()) && !id.equals("n4")).findFirst().orElseThrow();
            cluster.network.isolate(third);
            Committed<Long> c = leader.replicate("after-leave".getBytes(StandardCharsets.UTF_8))
                    .get(10, TimeUnit.SECONDS);
            InProcessCluster.await("n4 applying after-leave", Duration.ofSeconds(10),
                    () -> joined.applied().stream().anyMatch(a -> a.index() == c.commitIndex()));
        }
    }

    @Test
    void commandRejectedByTheStateMachineFailsOnlyItsOwnFuture() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, null, b -> b)) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(Duration.ofSeconds(10));
            CompletableFuture<Committed<Long>> bad = leader.replicate("reject:me".getBytes(StandardCharsets.UTF_8));
            Throwable error = bad.handle((ok, e) -> e).get(10, TimeUnit.SECONDS);
            Throwable cause = error.getCause() == null ? error : error.getCause();
            assertTrue(cause instanceof IllegalArgumentException, "got " + cause);
            assertEquals(1L, (long) leader.replicate("fine".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS)
                    .result());
        }
    }

    @Test
    void dataDirOfAnotherMemberIsRefusedAtStart() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            cluster.awaitLeader(Duration.ofSeconds(10));
        }
        RaftMember impostor = new RaftMember("n1", "127.0.0.1:1");
        RaftGroupConfig config = RaftGroupConfig.builder(impostor, List.of(impostor))
                .dataDir(dataRoot.resolve("n1")).build();
        try (FaultyNetwork network = new FaultyNetwork()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> RaftGroup.start(config, network.transportFor(impostor), new RegisterLog(), null));
            assertTrue(e.getMessage().contains("n1@127.0.0.1:19001"), e.getMessage());
        }
    }
}
