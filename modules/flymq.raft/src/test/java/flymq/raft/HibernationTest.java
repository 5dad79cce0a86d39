package flymq.raft;

import flymq.raft.codec.NodeHeartbeat;
import io.microraft.model.message.AppendEntriesRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idle groups hibernate ({@link Quiescence}): three members over the in-process network with default timing. Waits
 * are on conditions (members hibernating, node heartbeats counted), never on elapsed time.
 */
class HibernationTest {

    private static void awaitAllHibernating(InProcessCluster cluster) {
        cluster.awaitExplained("every member hibernating", Duration.ofSeconds(20),
                () -> cluster.groups.values().stream().allMatch(RaftGroup::isHibernating));
    }

    @Test
    void anIdleGroupHibernatesAndSendsNoHeartbeatsWhileTheNodesHeartbeat() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, null, b -> b)) {
            cluster.replicate("a", Duration.ofSeconds(10));
            awaitAllHibernating(cluster);
            RaftGroup<Long> leader = cluster.awaitLeader(Duration.ofSeconds(1));
            for (RaftGroup<Long> g : cluster.groups.values()) {
                if (g != leader) {
                    assertTrue(leader.isHibernatingWith(g.localMember().id()), g.localMember().id());
                }
            }
            AtomicLong appends = new AtomicLong();
            AtomicLong nodeBeats = new AtomicLong();
            cluster.network.sent = m -> {
                if (m instanceof AppendEntriesRequest) {
                    appends.incrementAndGet();
                } else if (m instanceof NodeHeartbeat) {
                    nodeBeats.incrementAndGet();
                }
            };
            // 3 nodes x 2 peers = 6 node heartbeats per period: wait for 10 periods' worth
            InProcessCluster.await("60 node heartbeats", Duration.ofSeconds(20), () -> nodeBeats.get() >= 60);
            boolean stillHibernating = cluster.groups.values().stream().allMatch(RaftGroup::isHibernating);
            assertTrue(stillHibernating, cluster.describe());
            assertEquals(0, appends.get(), "AppendEntries sent by a hibernating group");
        }
    }

    @Test
    void aProposalWakesTheGroupCommitsAndTheGroupHibernatesAgain() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, null, b -> b)) {
            cluster.replicate("a", Duration.ofSeconds(10));
            awaitAllHibernating(cluster);
            RaftGroup<Long> leader = cluster.awaitLeader(Duration.ofSeconds(1));
            Committed<Long> b = leader.replicate("b".getBytes()).join();
            for (String id : cluster.groups.keySet()) {
                InProcessCluster.await(id + " applying b", Duration.ofSeconds(10),
                        () -> cluster.logs.get(id).applied().stream().anyMatch(x -> x.command().equals("b")));
            }
            assertTrue(leader.wakeCount() >= 1, "the leader woke for the proposal");
            awaitAllHibernating(cluster);
            for (String id : cluster.groups.keySet()) {
                assertEquals(List.of("a", "b"), cluster.logs.get(id).applied().stream()
                        .map(RegisterLog.Applied::command).toList(), id);
                assertEquals(b.commitIndex(), cluster.groups.get(id).commitIndex(), id);
            }
        }
    }

    /**
     * {@link RaftListener#onHibernate} each time a member begins to hibernate, and {@code onRoleChange(TERMINATED)}
     * when it stops, both on the Raft thread: what the broker's pacing of new groups waits for instead of polling.
     */
    @Test
    void theListenerHearsEachMemberBeginToHibernateAndStop() throws Exception {
        Map<String, AtomicInteger> hibernations = new ConcurrentHashMap<>();
        Map<String, CountDownLatch> terminated = new ConcurrentHashMap<>();
        List<String> otherThreads = new CopyOnWriteArrayList<>();
        Function<RaftMember, RaftListener> listeners = m -> {
            AtomicInteger told = hibernations.computeIfAbsent(m.id(), id -> new AtomicInteger());
            CountDownLatch stopped = terminated.computeIfAbsent(m.id(), id -> new CountDownLatch(1));
            return new RaftListener() {
                @Override
                public void onHibernate(String groupId) {
                    onRaftThread();
                    told.incrementAndGet();
                }

                @Override
                public void onRoleChange(String groupId, Role role, int term) {
                    if (role == Role.TERMINATED) {
                        onRaftThread();
                        stopped.countDown();
                    }
                }

                private void onRaftThread() {
                    String name = Thread.currentThread().getName();
                    if (!name.startsWith("flymq-raft-worker-")) {
                        otherThreads.add(name);
                    }
                }
            };
        };
        try (InProcessCluster cluster = new InProcessCluster(3, null, b -> b, listeners)) {
            cluster.replicate("a", Duration.ofSeconds(10));
            awaitAllHibernating(cluster);
            // the phase is set just before the listener is told, in the same Raft-thread task
            for (String id : cluster.groups.keySet()) {
                InProcessCluster.await(id + " told it hibernates", Duration.ofSeconds(10),
                        () -> hibernations.get(id).get() >= 1);
            }
            Map<String, Integer> before = new ConcurrentHashMap<>();
            hibernations.forEach((id, n) -> before.put(id, n.get()));

            RaftGroup<Long> leader = cluster.awaitLeader(Duration.ofSeconds(1));
            leader.replicate("b".getBytes()).join(); // wakes every member; each hibernates again
            awaitAllHibernating(cluster);
            for (String id : cluster.groups.keySet()) {
                InProcessCluster.await(id + " told it hibernates again", Duration.ofSeconds(10),
                        () -> hibernations.get(id).get() > before.get(id));
            }

            String follower = cluster.groups.keySet().stream()
                    .filter(id -> !id.equals(leader.localMember().id())).findFirst().orElseThrow();
            assertFalse(terminated.get(follower).getCount() == 0, "terminated before it was stopped");
            cluster.stop(follower);
            assertTrue(terminated.get(follower).await(10, TimeUnit.SECONDS), follower + " told it terminated");
            assertEquals(List.of(), otherThreads, "callbacks off the Raft threads");
        }
    }

    @Test
    void anIsolatedHibernatingLeaderIsReplacedAndFollowsOnceHealed() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, null, b -> b)) {
            cluster.replicate("a", Duration.ofSeconds(10));
            awaitAllHibernating(cluster);
            RaftGroup<Long> old = cluster.awaitLeader(Duration.ofSeconds(1));
            long cutAt = System.nanoTime();
            cluster.network.isolate(old.localMember().id());
            cluster.awaitExplained("a new leader among the other two", Duration.ofSeconds(5),
                    () -> cluster.groups.values().stream().anyMatch(g -> g != old && g.isLeader()));
            System.out.printf("hibernating leader %s cut off: new leader after %d ms%n", old.localMember().id(),
                    (System.nanoTime() - cutAt) / 1_000_000);
            RaftGroup<Long> next = cluster.groups.values().stream().filter(g -> g != old && g.isLeader())
                    .findFirst().orElseThrow();
            next.replicate("b".getBytes()).join();
            cluster.network.heal();
            RaftGroup<Long> agreed = cluster.awaitAgreedLeader(Duration.ofSeconds(10));
            assertNotEquals(old.localMember(), agreed.localMember());
            InProcessCluster.await("the old leader applying b", Duration.ofSeconds(10),
                    () -> cluster.logs.get(old.localMember().id()).applied().stream()
                            .anyMatch(x -> x.command().equals("b")));
        }
    }

    @Test
    void aStoppedHibernatingLeaderIsReplaced() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, null, b -> b)) {
            cluster.replicate("a", Duration.ofSeconds(10));
            awaitAllHibernating(cluster);
            RaftGroup<Long> old = cluster.awaitLeader(Duration.ofSeconds(1));
            long stoppedAt = System.nanoTime();
            cluster.stop(old.localMember().id());
            RaftGroup<Long> next = cluster.awaitLeader(Duration.ofSeconds(5));
            System.out.printf("hibernating leader %s stopped: new leader after %d ms%n", old.localMember().id(),
                    (System.nanoTime() - stoppedAt) / 1_000_000);
            assertNotEquals(old.localMember(), next.localMember());
            next.replicate("b".getBytes()).join();
        }
    }

    @Test
    void aGroupThatMayNotHibernateKeepsHeartbeating() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, null, b -> b.hibernateWhenIdle(false))) {
            cluster.replicate("a", Duration.ofSeconds(10));
            AtomicLong appends = new AtomicLong();
            cluster.network.sent = m -> {
                if (m instanceof AppendEntriesRequest) {
                    appends.incrementAndGet();
                }
            };
            InProcessCluster.await("20 heartbeats", Duration.ofSeconds(20), () -> appends.get() >= 20);
            assertTrue(cluster.groups.values().stream().noneMatch(RaftGroup::isHibernating));
        }
    }
}
