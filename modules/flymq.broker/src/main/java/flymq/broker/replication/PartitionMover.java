package flymq.broker.replication;

import flymq.broker.replication.MetadataStateMachine.Assignment;
import flymq.broker.replication.MetadataStateMachine.Reassignment;
import flymq.protocol.message.ClusterBalanceResponse;
import flymq.raft.GroupMembers;
import flymq.raft.MembershipChange;
import flymq.raft.RaftGroup;
import flymq.raft.RaftMember;
import flymq.raft.RaftStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Carries out the partition reassignments the metadata group records, on every node, for the partition groups this
 * node leads: the target recorded by START_REASSIGNMENT is in the replicated metadata, so whichever node leads the
 * partition (after any failover, of the partition or of the metadata group) continues the move from the group's
 * committed membership, one Raft membership change at a time:
 * <ol>
 *   <li>every target node that is not a member is added as a learner, two at a time, right after the leader took a
 *   snapshot that drops its log (the node installs the snapshot and copies the records behind it from the leader's
 *   partition log, at {@code cluster.reassignment_bytes_per_sec}; replaying the group's history instead would stop
 *   a node that was a member before at its own removal);
 *   a founding member of the group that left and comes back is added as a voter directly (Raft refuses it as a
 *   learner);</li>
 *   <li>a learner is promoted to a voter once it is at most {@value #CAUGHT_UP_ENTRIES} entries behind;</li>
 *   <li>when this leader is not in the target it hands leadership to the most advanced target voter;</li>
 *   <li>every member outside the target is removed;</li>
 *   <li>when the preferred replica (the target's first) is in sync but does not lead, it gets the leadership (at most
 *   {@value #PREFERRED_ATTEMPTS} tries), then the leader records FINISH_REASSIGNMENT: the target becomes the
 *   partition's replicas and the nodes left out stop their members.</li>
 * </ol>
 * No step loses an acknowledged record: each is a committed Raft membership change, and the group's majority
 * overlaps before and after every single-member change. A cancel sets the target back to the replicas the
 * partition had, and the same steps undo what was done.
 *
 * <p>The same loop hands a partition's leadership to its preferred replica when asked (ELECT_LEADERS) and, when
 * {@code cluster.leader_balance_interval_ms} is above 0, at that interval, so leadership returns to a node that
 * comes back after a failure.
 */
final class PartitionMover implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PartitionMover.class.getName());
    static final long CAUGHT_UP_ENTRIES = 16;
    static final int PREFERRED_ATTEMPTS = 3;
    /** MicroRaft's limit of learners in a group at a time. */
    static final int MAX_LEARNERS = 2;
    private static final long TICK_MS = 100;
    private static final long STEP_TIMEOUT_MS = 5_000;

    /** Records FINISH_REASSIGNMENT through the metadata group (here or on its leader). */
    interface Finisher {
        void finish(Reassignment r, List<String> replicas);
    }

    private final RaftMember self;
    private final Supplier<MetadataStateMachine> state;
    private final Supplier<PartitionReplicas> replicas;
    private final Supplier<List<RaftMember>> members;
    private final Finisher finisher;
    private final long leaderBalanceMs;
    private final Map<String, Integer> preferredTries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("flymq-partition-mover").daemon(true).factory());
    private long lastBalanceNanos = System.nanoTime();

    /**
     * @param members         the cluster's members with their cluster addresses (a target node's Raft address)
     * @param leaderBalanceMs how often partitions led elsewhere are handed to their in-sync preferred replica; 0: only
     *                        on request
     */
    PartitionMover(RaftMember self, Supplier<MetadataStateMachine> state, Supplier<PartitionReplicas> replicas,
                   Supplier<List<RaftMember>> members, Finisher finisher, long leaderBalanceMs) {
        this.self = self;
        this.state = state;
        this.replicas = replicas;
        this.members = members;
        this.finisher = finisher;
        this.leaderBalanceMs = leaderBalanceMs;
    }

    void start() {
        ticks.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            MetadataStateMachine sm = state.get();
            PartitionReplicas r = replicas.get();
            if (sm == null || r == null) {
                return;
            }
            for (Reassignment m : sm.reassignments().values()) {
                Optional<RaftGroup<Long>> g = r.group(m.topic(), m.partition());
                Optional<Assignment> a = sm.assignment(m.topic());
                if (g.isPresent() && g.get().isLeader() && a.isPresent() && a.get().createIndex() == m.createIndex()) {
                    step(g.get(), m);
                }
            }
            preferredTries.keySet().retainAll(sm.reassignments().keySet());
            if (leaderBalanceMs > 0 && System.nanoTime() - lastBalanceNanos > leaderBalanceMs * 1_000_000) {
                lastBalanceNanos = System.nanoTime();
                electPreferred();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "partition mover: " + e);
        }
    }

    /** One membership step of a move on a group this node leads; a failure is retried on the next tick. */
    private void step(RaftGroup<Long> g, Reassignment m) {
        String what = m.topic() + "-" + m.partition() + " -> " + m.to();
        try {
            GroupMembers committed = g.committedMembers();
            if (committed.logIndex() != g.effectiveMembers().logIndex()) {
                return; // a change is still being committed
            }
            Set<String> memberIds = ids(committed.members());
            Set<String> voterIds = ids(committed.votingMembers());
            RaftStatus st = g.status().get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            for (String id : m.to()) {
                if (memberIds.contains(id) && !voterIds.contains(id) && caughtUp(st, id)) {
                    g.changeMembership(committed.member(id).orElseThrow(), MembershipChange.ADD_OR_PROMOTE_TO_FOLLOWER,
                            committed.logIndex()).get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    LOG.log(System.Logger.Level.INFO, "move of " + what + ": promoted " + id + " to a voter");
                    return;
                }
            }
            int learners = committed.members().size() - committed.votingMembers().size();
            for (String id : m.to()) {
                if (memberIds.contains(id)) {
                    continue;
                }
                RaftMember joining = member(id).orElse(null);
                if (joining == null) {
                    LOG.log(System.Logger.Level.WARNING, "move of " + what + ": node " + id
                            + " is not a cluster member; waiting");
                    return;
                }
                // Raft refuses to add one of the group's founding members as a learner again (it knows it from the
                // group's first entry): such a node returns as a voter directly, catching up unthrottled. With an
                // even number of voters a commit still needs only half of them, so the empty voter costs nothing.
                boolean founder = g.config().initialMembers().stream().anyMatch(f -> f.id().equals(id));
                if (!founder && learners >= MAX_LEARNERS) {
                    return; // Raft takes two learners at a time: wait for one to be promoted
                }
                // The new member starts from a snapshot, never from the group's first entry: a node that was a
                // member before would replay its own removal and stop. It then copies the records behind the
                // snapshot from this leader's log (ReplicaCatchUp), at the reassignment rate.
                try {
                    g.takeSnapshot(true).get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // refused (e.g. nothing committed since the last snapshot): the add goes ahead; a former member
                    // could then replay entries kept below that snapshot, so the refusal is logged
                    LOG.log(System.Logger.Level.INFO, "move of " + what + ": no snapshot before adding " + id + ": "
                            + e.getCause());
                }
                g.changeMembership(joining, founder ? MembershipChange.ADD_OR_PROMOTE_TO_FOLLOWER
                        : MembershipChange.ADD_LEARNER, committed.logIndex())
                        .get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                LOG.log(System.Logger.Level.INFO, "move of " + what + ": added " + id
                        + (founder ? " as a voter (a founding member of the group)" : " as a learner"));
                return;
            }
            for (String id : m.to()) {
                if (!voterIds.contains(id)) {
                    return; // a learner is still catching up
                }
            }
            if (!m.to().contains(self.id())) {
                String successor = m.to().stream()
                        .max(java.util.Comparator.comparingLong(id -> st.followerMatchIndex().getOrDefault(id, -1L)))
                        .orElseThrow();
                g.transferLeadership(committed.member(successor).orElseThrow())
                        .get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                LOG.log(System.Logger.Level.INFO, "move of " + what + ": handed leadership to " + successor);
                return;
            }
            for (RaftMember old : committed.members()) {
                if (!m.to().contains(old.id())) {
                    g.changeMembership(old, MembershipChange.REMOVE_MEMBER, committed.logIndex())
                            .get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    LOG.log(System.Logger.Level.INFO, "move of " + what + ": removed " + old.id());
                    return;
                }
            }
            String preferred = m.to().get(0);
            if (!preferred.equals(self.id()) && caughtUp(st, preferred)
                    && preferredTries.merge(m.key(), 1, Integer::sum) <= PREFERRED_ATTEMPTS) {
                g.transferLeadership(committed.member(preferred).orElseThrow())
                        .get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                return; // the preferred replica, now leading, finishes the move
            }
            finisher.finish(m, m.to());
            LOG.log(System.Logger.Level.INFO, "move of " + what + (m.cancelling() ? " (cancelled)" : "")
                    + " finished");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            LOG.log(System.Logger.Level.DEBUG, "move of " + what + ": step failed, retrying: " + cause);
        }
    }

    private static boolean caughtUp(RaftStatus st, String id) {
        long match = st.followerMatchIndex().getOrDefault(id, -1L);
        return match >= 0 && st.lastLogIndex() - match <= CAUGHT_UP_ENTRIES;
    }

    /**
     * Hands leadership of every partition this node leads, has no move in progress and whose preferred replica (the
     * first assigned) is an in-sync voter, to that replica. Returns the hand-overs started (old leader to new).
     */
    List<ClusterBalanceResponse.Move> electPreferred() {
        MetadataStateMachine sm = state.get();
        PartitionReplicas r = replicas.get();
        List<ClusterBalanceResponse.Move> moved = new ArrayList<>();
        if (sm == null || r == null) {
            return moved;
        }
        Map<String, Reassignment> moving = sm.reassignments();
        for (Assignment a : sm.assignments().values()) {
            for (int p = 0; p < a.topic().replicas().size(); p++) {
                List<String> replicaIds = a.replicas(p);
                Optional<RaftGroup<Long>> g = r.group(a.topic().name(), p);
                if (replicaIds.isEmpty() || replicaIds.get(0).equals(self.id()) || g.isEmpty() || !g.get().isLeader()
                        || moving.containsKey(MetadataStateMachine.reassignmentKey(a.topic().name(), p))) {
                    continue;
                }
                String preferred = replicaIds.get(0);
                try {
                    GroupMembers committed = g.get().committedMembers();
                    Optional<RaftMember> target = committed.votingMembers().stream()
                            .filter(v -> v.id().equals(preferred)).findFirst();
                    RaftStatus st = g.get().status().get(1, TimeUnit.SECONDS);
                    if (target.isEmpty() || !caughtUp(st, preferred)) {
                        continue;
                    }
                    g.get().transferLeadership(target.get()).get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    moved.add(new ClusterBalanceResponse.Move(a.topic().name(), p, List.of(self.id()),
                            List.of(preferred)));
                    LOG.log(System.Logger.Level.INFO, "partition " + a.topic().name() + "-" + p
                            + ": leadership handed to its preferred replica " + preferred);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return moved;
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "preferred leader of " + a.topic().name() + "-" + p + ": " + e);
                }
            }
        }
        return moved;
    }

    private Optional<RaftMember> member(String id) {
        return members.get().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    private static Set<String> ids(List<RaftMember> list) {
        Set<String> ids = new HashSet<>();
        list.forEach(m -> ids.add(m.id()));
        return ids;
    }

    @Override
    public void close() {
        ticks.shutdownNow();
    }
}
