package flymq.raft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RaftMembership} on a {@link RaftGroup}: the single steps, their guard, persistence and leadership moves. */
class MembershipChangeTest {

    @TempDir
    Path dataRoot;

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void learnerReceivesTheLogButIsNotAVotingMember() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(WAIT);
            Committed<Long> before = leader.replicate(bytes("before")).get(10, TimeUnit.SECONDS);
            RaftMember n4 = InProcessCluster.member(4);
            cluster.start(n4);

            GroupMembers after = leader.changeMembership(n4, MembershipChange.ADD_LEARNER,
                    leader.committedMembers().logIndex()).get(10, TimeUnit.SECONDS);

            assertEquals(List.of(n4), after.learners());
            assertEquals(3, after.votingMembers().size(), "voters: " + after.votingMembers());
            assertTrue(after.logIndex() > before.commitIndex(), "the change is a log entry after the command");
            RegisterLog joined = cluster.logs.get("n4");
            InProcessCluster.await("the learner applying the earlier command", WAIT,
                    () -> joined.applied().stream().anyMatch(a -> a.command().equals("before")));
            InProcessCluster.await("the learner seeing itself as learner", WAIT,
                    () -> cluster.groups.get("n4").effectiveMembers().learners().equals(List.of(n4)));
        }
    }

    @Test
    void changeBasedOnAnOutdatedMemberListIsRefusedAsAConflict() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(WAIT);
            // an entry of the leader's term first: until then MicroRaft refuses any membership change as busy
            leader.replicate(bytes("settled")).get(10, TimeUnit.SECONDS);
            long founding = leader.committedMembers().logIndex();
            cluster.start(InProcessCluster.member(4));
            leader.changeMembership(InProcessCluster.member(4), MembershipChange.ADD_LEARNER, founding)
                    .get(10, TimeUnit.SECONDS);

            CompletionException e = assertThrows(CompletionException.class, () -> leader.changeMembership(
                    InProcessCluster.member(5), MembershipChange.ADD_LEARNER, founding).join());

            RaftGroupException cause = assertInstanceOf(RaftGroupException.class, e.getCause());
            assertEquals(RaftGroupException.Reason.MEMBERSHIP_CONFLICT, cause.reason());
            assertFalse(leader.committedMembers().member("n5").isPresent(), "n5 was added anyway");
        }
    }

    @Test
    void changeOnAFollowerNamesTheLeader() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(WAIT);
            RaftGroup<Long> follower = cluster.groups.values().stream().filter(g -> !g.isLeader()).findFirst()
                    .orElseThrow();

            CompletionException e = assertThrows(CompletionException.class, () -> follower.changeMembership(
                    InProcessCluster.member(4), MembershipChange.ADD_LEARNER,
                    follower.committedMembers().logIndex()).join());

            RaftGroupException cause = assertInstanceOf(RaftGroupException.class, e.getCause());
            assertEquals(RaftGroupException.Reason.NOT_LEADER, cause.reason());
            assertEquals(leader.localMember(), cause.leader().orElseThrow());
        }
    }

    @Test
    void joinedMemberIsStillAVoterAfterTheWholeGroupRestarts() throws Exception {
        RaftMember n4 = InProcessCluster.member(4);
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            RaftGroup<Long> leader = cluster.awaitAgreedLeader(WAIT);
            // MicroRaft refuses a membership change ("cannot take more entries now") until the leader has committed
            // an entry of its own term; right after the election it may not have yet
            leader.replicate(bytes("founders")).get(10, TimeUnit.SECONDS);
            cluster.start(n4);
            leader.addMember(n4).get(10, TimeUnit.SECONDS);
            leader.replicate(bytes("with-four")).get(10, TimeUnit.SECONDS);
        }
        // the configuration still names only the founders: the member list comes from the data dirs. With two of four
        // voters cut off the leader steps down once its heartbeat timeout passes without a majority: a long timeout
        // gives the commit below time to happen on a loaded machine (it failed once, "lost leadership", at load ~6)
        try (InProcessCluster restarted = new InProcessCluster(3, dataRoot,
                b -> b.leaderHeartbeatTimeout(Duration.ofSeconds(10)))) {
            restarted.start(n4);
            RaftGroup<Long> leader = restarted.awaitAgreedLeader(WAIT);
            for (RaftGroup<Long> g : restarted.groups.values()) {
                assertTrue(g.effectiveMembers().votingMembers().contains(n4),
                        g.localMember() + " lost n4: " + g.effectiveMembers());
            }
            // MicroRaft commits with n/2 of 4 voters (any election quorum of 3 still overlaps them), but only while
            // no membership change is pending: after the restart the four-member configuration counts as committed
            // once the leader commits an entry of its own term, so that happens with everyone still connected.
            // (Isolating first failed under load when the restarted leader had not committed yet: 3 of 4 needed.)
            leader.replicate(bytes("all-four")).get(10, TimeUnit.SECONDS);
            InProcessCluster.await("the leader counting four committed voters", WAIT,
                    () -> leader.committedMembers().logIndex() == leader.effectiveMembers().logIndex());
            // with two founders other than the leader cut off, the commit needs n4: its acknowledgement, or its own
            // log when n4 leads
            List<String> founders = restarted.groups.keySet().stream()
                    .filter(id -> !id.equals(leader.localMember().id()) && !id.equals("n4")).limit(2).toList();
            founders.forEach(restarted.network::isolate);
            leader.replicate(bytes("leader-and-n4")).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void leaderHandsOverThenTheNewLeaderRemovesItAndTheGroupKeepsCommitting() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3, dataRoot, b -> b)) {
            RaftGroup<Long> old = cluster.awaitAgreedLeader(WAIT);
            RaftMember target = cluster.groups.values().stream().map(RaftGroup::localMember)
                    .filter(m -> !m.equals(old.localMember())).findFirst().orElseThrow();

            transferWhenSettled(cluster, old, target);
            RaftGroup<Long> next = cluster.groups.get(target.id());
            InProcessCluster.await(target + " leading", WAIT, next::isLeader);
            GroupMembers after = removeWhenReady(next, old.localMember());
            cluster.stop(old.localMember().id());

            assertFalse(after.members().contains(old.localMember()), "still listed: " + after);
            assertEquals(2, after.votingMembers().size());
            Committed<Long> c = next.replicate(bytes("after-leave")).get(10, TimeUnit.SECONDS);
            assertTrue(c.commitIndex() > after.logIndex(), "committed at " + c.commitIndex());
        }
    }

    /**
     * Hands leadership from {@code old} to {@code target}. On a loaded machine a member whose election timer fired
     * just as the group settled can still bump the term, and the transfer then fails as lost leadership; the group
     * is left to settle again and the transfer retried, as an operator would. Anything else fails the test.
     */
    private static void transferWhenSettled(InProcessCluster cluster, RaftGroup<Long> old, RaftMember target)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        RaftGroup<Long> from = old;
        while (true) {
            try {
                from.transferLeadership(target).get(10, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof RaftGroupException r)
                        || (r.reason() != RaftGroupException.Reason.INDETERMINATE
                        && r.reason() != RaftGroupException.Reason.NOT_LEADER)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                from = cluster.awaitAgreedLeader(WAIT);
                if (from.localMember().equals(target)) {
                    return;
                }
            }
        }
    }

    /** A new leader accepts a membership change only once an entry of its own term committed: BUSY until then. */
    private static GroupMembers removeWhenReady(RaftGroup<Long> leader, RaftMember member) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return leader.changeMembership(member, MembershipChange.REMOVE_MEMBER,
                        leader.committedMembers().logIndex()).join();
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof RaftGroupException r && r.reason() == RaftGroupException.Reason.BUSY)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                InProcessCluster.pause();
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
