package flymq.raft;

import flymq.raft.transport.ClusterTransport;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 200 groups of three members on three in-process nodes (one transport each, as in the broker), all on the shared
 * Raft threads: every group elects, replicates, hibernates, and fails over when a node is cut off.
 */
class ManyGroupsTest {

    private static final int GROUPS = 200;

    @Test
    void twoHundredGroupsElectReplicateHibernateAndFailOverOnTheSharedThreads() throws Exception {
        List<RaftMember> nodes = List.of(InProcessCluster.member(1), InProcessCluster.member(2),
                InProcessCluster.member(3));
        Map<String, List<RaftGroup<Long>>> groups = new LinkedHashMap<>();
        Map<String, RegisterLog> logs = new LinkedHashMap<>();
        try (FaultyNetwork network = new FaultyNetwork()) {
            Map<String, ClusterTransport> transports = new LinkedHashMap<>();
            for (RaftMember n : nodes) {
                transports.put(n.id(), network.transportFor(n));
            }
            try {
                for (int g = 0; g < GROUPS; g++) {
                    String id = "g" + g;
                    List<RaftGroup<Long>> members = new ArrayList<>();
                    for (RaftMember n : nodes) {
                        RegisterLog log = new RegisterLog();
                        logs.put(id + "/" + n.id(), log);
                        members.add(RaftGroup.start(RaftGroupConfig.builder(n, nodes).groupId(id).build(),
                                transports.get(n.id()), log, null));
                    }
                    groups.put(id, members);
                }
                long raftThreads = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().startsWith("flymq-raft-worker-") || t.getName().equals("flymq-raft-timer"))
                        .count();
                assertTrue(raftThreads <= RaftThreads.DEFAULT_WORKERS + 1,
                        raftThreads + " Raft threads for " + GROUPS * 3 + " members");

                await("every group agreeing on a leader", Duration.ofSeconds(60), () -> groups.values().stream()
                        .allMatch(m -> InProcessCluster.agreedLeader(m).isPresent()));
                replicateEverywhere(groups, "a", nodes);
                awaitApplied(groups, logs, "a", nodes);
                await("every member hibernating", Duration.ofSeconds(60), () -> groups.values().stream()
                        .flatMap(List::stream).allMatch(RaftGroup::isHibernating));

                long cutAt = System.nanoTime();
                network.isolate("n1");
                List<RaftMember> rest = nodes.subList(1, 3);
                await("every group led by n2 or n3", Duration.ofSeconds(60), () -> groups.values().stream()
                        .allMatch(m -> InProcessCluster.agreedLeader(m.subList(1, 3)).isPresent()));
                System.out.printf("%d groups: n1 cut off, every group led by n2 or n3 after %d ms%n", GROUPS,
                        (System.nanoTime() - cutAt) / 1_000_000);
                Map<String, List<RaftGroup<Long>>> survivors = new LinkedHashMap<>();
                groups.forEach((id, m) -> survivors.put(id, m.subList(1, 3)));
                replicateEverywhere(survivors, "b", rest);
                awaitApplied(survivors, logs, "b", rest);
                for (String id : groups.keySet()) {
                    assertEquals(List.of("a", "b"), logs.get(id + "/n2").applied().stream()
                            .map(RegisterLog.Applied::command).distinct().toList(), id);
                }
            } finally {
                groups.values().stream().flatMap(List::stream).forEach(RaftGroup::close);
            }
        }
    }

    /**
     * Proposes {@code command} in every group through its agreed leader, again through the next leader when an
     * election on the loaded machine interrupts it (the command may then be applied twice: the history check of
     * exactly-once is {@link FaultInjectionClusterTest}'s; this test is about every group making progress).
     */
    private static void replicateEverywhere(Map<String, List<RaftGroup<Long>>> groups, String command,
                                            List<RaftMember> nodes) {
        Map<String, CompletableFuture<Committed<Long>>> futures = new LinkedHashMap<>();
        groups.forEach((id, m) -> futures.put(id, propose(m, command)));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (Map.Entry<String, CompletableFuture<Committed<Long>>> e : futures.entrySet()) {
            CompletableFuture<Committed<Long>> f = e.getValue();
            while (true) {
                try {
                    f.join();
                    break;
                } catch (java.util.concurrent.CompletionException ex) {
                    if (!(ex.getCause() instanceof RaftGroupException) || System.nanoTime() > deadline) {
                        throw ex;
                    }
                    List<RaftGroup<Long>> m = groups.get(e.getKey());
                    await("group " + e.getKey() + " agreeing on a leader", Duration.ofSeconds(30),
                            () -> InProcessCluster.agreedLeader(m).isPresent());
                    f = propose(m, command);
                }
            }
        }
    }

    private static CompletableFuture<Committed<Long>> propose(List<RaftGroup<Long>> members, String command) {
        Optional<RaftGroup<Long>> leader = InProcessCluster.agreedLeader(members);
        return leader.orElseThrow().replicate(command.getBytes(StandardCharsets.UTF_8));
    }

    private static void awaitApplied(Map<String, List<RaftGroup<Long>>> groups, Map<String, RegisterLog> logs,
                                     String command, List<RaftMember> nodes) {
        await("every member applying " + command, Duration.ofSeconds(60), () -> groups.keySet().stream()
                .allMatch(id -> nodes.stream().allMatch(n -> logs.get(id + "/" + n.id()).applied().stream()
                        .anyMatch(a -> a.command().equals(command)))));
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        InProcessCluster.await(what, timeout, condition);
    }
}
