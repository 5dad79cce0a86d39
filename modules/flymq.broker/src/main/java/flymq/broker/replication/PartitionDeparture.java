package flymq.broker.replication;

import flymq.raft.GroupMembers;
import flymq.raft.MembershipChange;
import flymq.raft.RaftGroup;
import flymq.raft.RaftGroupException;
import flymq.raft.RaftMember;
import flymq.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Takes a leaving node out of the partition groups this node is a member of, once {@code NODE_REMOVED} is applied
 * here. Every member of such a group runs this, and the group's leader does the work: when the leaving node leads,
 * it hands leadership to another voter first (so the partition keeps a leader that stays), and the leader then
 * removes it with a Raft membership change. Runs on a virtual thread, never on a Raft thread, until every group
 * is done or {@link #DEADLINE_MS} passes (a group with no majority cannot change; the node stays listed there).
 */
final class PartitionDeparture implements Runnable {
    private static final System.Logger LOG = System.getLogger(PartitionDeparture.class.getName());
    static final long DEADLINE_MS = 60_000;

    private final String leavingId;
    private final RaftMember self;
    private final Supplier<List<RaftGroup<Long>>> groups;

    /** @param groups this node's partition groups (read again on every round: groups may start meanwhile) */
    PartitionDeparture(String leavingId, RaftMember self, Supplier<List<RaftGroup<Long>>> groups) {
        this.leavingId = leavingId;
        this.self = self;
        this.groups = groups;
    }

    static void start(String leavingId, RaftMember self, Supplier<List<RaftGroup<Long>>> groups) {
        Thread.ofVirtual().name("flymq-leave-" + leavingId).start(new PartitionDeparture(leavingId, self, groups));
    }

    @Override
    public void run() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        List<String> pending = List.of();
        while (System.nanoTime() < deadline) {
            pending = new ArrayList<>();
            for (RaftGroup<Long> g : groups.get()) {
                if (g.role() == Role.TERMINATED) {
                    continue;
                }
                Optional<RaftMember> leaving = g.effectiveMembers().member(leavingId);
                if (leaving.isEmpty()) {
                    continue;
                }
                pending.add(g.groupId());
                if (g.isLeader()) {
                    step(g, leaving.get());
                }
            }
            if (pending.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "node " + leavingId + " is out of every partition group of "
                        + self.id());
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "node " + leavingId + " is still a member of partition groups "
                + pending + " on " + self.id() + " after " + DEADLINE_MS + " ms (no majority?)");
    }

    /** One attempt on a group this node leads; a failure is retried on the next round. */
    private void step(RaftGroup<Long> g, RaftMember leaving) {
        try {
            if (leaving.equals(self)) {
                GroupMembers members = g.effectiveMembers();
                Optional<RaftMember> successor = members.votingMembers().stream()
                        .filter(m -> !m.equals(self)).findFirst();
                if (successor.isPresent()) {
                    g.transferLeadership(successor.get()).get(5, TimeUnit.SECONDS);
                    return;
                }
                // the only voter left: nobody to hand over to, nothing to remove it from but itself
                return;
            }
            g.changeMembership(leaving, MembershipChange.REMOVE_MEMBER, g.committedMembers().logIndex())
                    .get(5, TimeUnit.SECONDS);
            LOG.log(System.Logger.Level.INFO, "removed " + leaving + " from partition group " + g.groupId());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Throwable cause = e instanceof CompletionException || e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof RaftGroupException)) {
                LOG.log(System.Logger.Level.DEBUG, "removing " + leaving + " from " + g.groupId()
                        + " failed, retrying: " + cause);
            }
        }
    }
}
