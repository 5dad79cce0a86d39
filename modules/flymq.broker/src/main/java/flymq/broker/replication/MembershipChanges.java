package flymq.broker.replication;

import flymq.broker.replication.MetadataCommand.NodeRemoved;
import flymq.broker.replication.MetadataCommand.RegisterNode;
import flymq.broker.server.Session;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.MembershipRequest;
import flymq.protocol.message.MembershipResponse;
import flymq.raft.GroupMembers;
import flymq.raft.RaftGroup;
import flymq.raft.RaftGroupException;
import flymq.raft.RaftMember;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Run-time membership of the cluster ({@code flymq cluster join / leave}), served on every node and carried out by
 * the metadata group's leader (a follower forwards the request once, like CREATE_TOPIC).
 *
 * <p><b>CLUSTER_MEMBERSHIP 0xCE</b> (FlyMQ extension range, admin only; the SDKs never send it): a
 * {@link MembershipRequest} (join or leave; a follower forwards it with the forwarded marker) answered with a
 * {@link MembershipResponse}, the metadata group's members once the change is committed. Errors are ERROR frames
 * naming the node and the reason ({@code node n9 is not a member ...}, {@code not leader: ...} when no leader can be
 * reached).
 *
 * <p><b>Join</b>: the joining node runs already, started with {@code peers} that leave it out (it waits outside
 * the group). The leader records its client address (so requests can be routed to it at once), adds it to the
 * metadata group as a learner, and promotes it to a voter once that is committed. The node then receives the
 * metadata log (or a snapshot), creates every topic locally, and becomes a replica of the partitions of topics
 * created from then on (assignments are computed over the voting members). Partitions of earlier topics keep their
 * replicas.
 *
 * <p><b>Leave</b>: refused when the node is the last voter or the only replica of some partition (its records
 * would be lost). When the leaving node leads the metadata group it first hands leadership to another voter and
 * forwards the request there. The leader then commits {@code NODE_REMOVED} (every node drops the node from the
 * partitions' replica lists, and {@link PartitionDeparture} takes it out of each partition group: a leaving
 * partition leader hands its leadership over first, the new leader removes it), gives the leaving node a moment to
 * apply that, and removes it from the metadata group. Membership changes are Raft log entries, persisted by every
 * member's Raft store: a restart keeps them, whatever {@code peers} says.
 */
final class MembershipChanges {
    private static final System.Logger LOG = System.getLogger(MembershipChanges.class.getName());
    static final int JOIN = MembershipRequest.JOIN;
    static final int LEAVE = MembershipRequest.LEAVE;
    private static final long CHANGE_TIMEOUT_MS = 30_000;
    /** How long the leaving node gets to learn that NODE_REMOVED committed before it is cut off the metadata log. */
    private static final long DEPARTURE_GRACE_MS = 500;

    private final ClusterMembers members;
    private final Supplier<RaftGroup<Boolean>> group;
    private final Supplier<MetadataStateMachine> state;
    private final LeaderForwarder forwarder;

    MembershipChanges(ClusterMembers members, Supplier<RaftGroup<Boolean>> group,
                      Supplier<MetadataStateMachine> state, LeaderForwarder forwarder) {
        this.members = members;
        this.group = group;
        this.state = state;
        this.forwarder = forwarder;
    }

    /** The CLUSTER_MEMBERSHIP handler. */
    void handle(Session session, PayloadReader in, PayloadWriter out) {
        MembershipRequest request = MembershipRequest.read(in);
        int action = request.action();
        String nodeId = request.nodeId();
        String clusterAddr = request.clusterAddr();
        String clientAddr = request.clientAddr();
        boolean forwarded = request.forwarded();
        if (nodeId.isBlank()) {
            throw new RequestException("cluster membership: node_id is empty");
        }
        GroupMembers after = switch (action) {
            case JOIN -> {
                RaftMember joining;
                try {
                    joining = new RaftMember(nodeId, clusterAddr);
                } catch (IllegalArgumentException e) {
                    throw new RequestException("cannot add node " + nodeId + ": " + e.getMessage());
                }
                yield onLeader(action, nodeId, clusterAddr, clientAddr, forwarded, "add node " + joining,
                        g -> join(g, joining, clientAddr));
            }
            case LEAVE -> onLeader(action, nodeId, "", "", forwarded, "remove node " + nodeId,
                    g -> leave(g, nodeId));
            default -> throw new RequestException("cluster membership: unknown action " + action
                    + " (expected 1 join or 2 leave)");
        };
        write(after, out);
    }

    static void write(GroupMembers members, PayloadWriter out) {
        List<MembershipResponse.Member> listed = new ArrayList<>(members.members().size());
        for (RaftMember m : members.members()) {
            listed.add(new MembershipResponse.Member(m.id(), m.address(), members.votingMembers().contains(m)));
        }
        new MembershipResponse(listed).write(out);
    }

    /** The leaving node led the metadata group and has handed it over: forward to the new leader. */
    private static final class HandedOver extends RuntimeException {
        HandedOver() {
            super(null, null, false, false);
        }
    }

    private interface LeaderStep {
        GroupMembers run(RaftGroup<Boolean> g);
    }

    /** Runs {@code step} here when this node leads the metadata group, else forwards the request once. */
    private GroupMembers onLeader(int action, String nodeId, String clusterAddr, String clientAddr,
                                  boolean forwarded, String what, LeaderStep step) {
        RaftGroup<Boolean> g = group.get();
        if (g == null) {
            throw new RequestException("cluster member " + members.self().id() + " is not running");
        }
        boolean handedOver = false;
        // Twice: a node elected a moment ago may know it leads before its role says so (awaitLeader waits for that).
        for (int attempt = 0; attempt < 2; attempt++) {
            if (attempt > 0) {
                awaitLeader(g);
            }
            if (g.isLeader() && !handedOver) {
                try {
                    return step.run(g);
                } catch (HandedOver e) {
                    handedOver = true; // this node was asked to leave: its successor carries the change out
                } catch (RaftGroupException e) {
                    if (e.reason() != RaftGroupException.Reason.NOT_LEADER) {
                        throw new RequestException("cannot " + what + ": " + e.getMessage());
                    }
                    // leadership moved meanwhile: forward below
                }
            }
        }
        Optional<RaftMember> leader = awaitLeader(g);
        if (leader.isEmpty()) {
            throw new RequestException("not leader: no leader elected (cannot " + what + " on node "
                    + members.self().id() + ")");
        }
        String leaderAddr = state.get().clientAddrs().getOrDefault(leader.get().id(), "");
        if ((forwarded && !handedOver) || leaderAddr.isEmpty() || leader.get().equals(members.self())) {
            throw new RequestException("not leader: leader_id=" + leader.get().id() + " leader_addr=" + leaderAddr
                    + " (cannot " + what + " on node " + members.self().id() + ")");
        }
        byte[] answer = forwarder.call(leader.get().id(), leaderAddr, ExtensionOpcodes.CLUSTER_MEMBERSHIP,
                new MembershipRequest(action, nodeId, clusterAddr, clientAddr, true));
        return read(answer);
    }

    private static GroupMembers read(byte[] answer) {
        List<RaftMember> all = new ArrayList<>();
        List<RaftMember> voting = new ArrayList<>();
        for (MembershipResponse.Member listed : MembershipResponse.read(new PayloadReader(answer)).members()) {
            RaftMember m = new RaftMember(listed.nodeId(), listed.clusterAddr());
            all.add(m);
            if (listed.voting()) {
                voting.add(m);
            }
        }
        return new GroupMembers(-1, all, voting);
    }

    /** The leader as this node sees it, waiting up to one election for a hand-over to settle. */
    private Optional<RaftMember> awaitLeader(RaftGroup<Boolean> g) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Optional<RaftMember> leader = g.leader();
            if (leader.isPresent() && !(leader.get().equals(members.self()) && !g.isLeader())) {
                return leader;
            }
            pause(50);
        }
        return g.leader();
    }

    // ------------------------------------------------------------------ join

    private GroupMembers join(RaftGroup<Boolean> g, RaftMember joining, String clientAddr) {
        GroupMembers current = g.committedMembers();
        Optional<RaftMember> sameId = current.member(joining.id());
        if (sameId.isPresent() && !sameId.get().equals(joining)) {
            throw new RequestException("cannot add node " + joining + ": node id " + joining.id()
                    + " is already a member as " + sameId.get() + " (remove it first to move it)");
        }
        Optional<RaftMember> sameAddr = current.members().stream()
                .filter(m -> m.address().equals(joining.address()) && !m.id().equals(joining.id())).findFirst();
        if (sameAddr.isPresent()) {
            throw new RequestException("cannot add node " + joining + ": cluster address " + joining.address()
                    + " belongs to member " + sameAddr.get());
        }
        if (!clientAddr.isBlank()) {
            await(g.replicate(new RegisterNode(joining.id(), clientAddr).encode()), "register node " + joining.id());
        }
        retryWhileBusy(() -> g.addMember(joining), "add node " + joining);
        LOG.log(System.Logger.Level.INFO, "node " + joining + " joined the cluster: " + g.committedMembers());
        return g.committedMembers();
    }

    // ------------------------------------------------------------------ leave

    private GroupMembers leave(RaftGroup<Boolean> g, String nodeId) {
        GroupMembers current = g.committedMembers();
        RaftMember leaving = current.member(nodeId).orElseThrow(() -> new RequestException("node " + nodeId
                + " is not a member of the cluster (members: " + ids(current.members()) + ")"));
        List<RaftMember> voters = current.votingMembers().stream().filter(m -> !m.equals(leaving)).toList();
        if (voters.isEmpty()) {
            throw new RequestException("cannot remove node " + nodeId + ": it is the last voting member of "
                    + ids(current.members()));
        }
        List<String> soleCopies = new ArrayList<>();
        state.get().assignments().values().forEach(a -> {
            for (int p = 0; p < a.topic().replicas().size(); p++) {
                if (a.replicas(p).equals(List.of(nodeId))) {
                    soleCopies.add(a.topic().name() + "-" + p);
                }
            }
        });
        if (!soleCopies.isEmpty()) {
            throw new RequestException("cannot remove node " + nodeId + ": it holds the only replica of "
                    + soleCopies.size() + " partition(s) (" + String.join(", ", soleCopies.subList(0,
                    Math.min(5, soleCopies.size()))) + (soleCopies.size() > 5 ? ", ..." : "")
                    + "); delete those topics first");
        }
        if (leaving.equals(members.self())) {
            // Leadership moves first: hand the metadata group over, then the new leader carries the change out.
            RaftMember successor = voters.get(0);
            LOG.log(System.Logger.Level.INFO, "node " + nodeId + " leaves while leading the metadata group: "
                    + "handing leadership to " + successor);
            retryWhileBusy(() -> g.transferLeadership(successor), "hand metadata leadership to " + successor);
            throw new HandedOver();
        }
        long removedAt = await(g.replicate(new NodeRemoved(nodeId).encode()), "record that node " + nodeId
                + " leaves").commitIndex();
        awaitApplied(g, leaving, removedAt);
        retryWhileBusy(() -> g.removeMember(leaving), "remove node " + leaving);
        LOG.log(System.Logger.Level.INFO, "node " + leaving + " left the cluster: " + g.committedMembers());
        return g.committedMembers();
    }

    /**
     * Best effort: waits until the leaving node holds the NODE_REMOVED entry and has had a few heartbeats to learn
     * it committed, so it hands over the partitions it leads before it stops hearing from the metadata group.
     * A dead node never catches up; the wait then ends after {@link #DEPARTURE_GRACE_MS}.
     */
    private static void awaitApplied(RaftGroup<Boolean> g, RaftMember leaving, long index) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEPARTURE_GRACE_MS);
        while (System.nanoTime() < deadline) {
            try {
                Long match = g.status().get(1, TimeUnit.SECONDS).followerMatchIndex().get(leaving.id());
                if (match != null && match >= index) {
                    pause(3 * g.config().heartbeatPeriod().toMillis());
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pause(20);
        }
    }

    private static String ids(List<RaftMember> list) {
        return String.join(",", list.stream().map(RaftMember::id).toList());
    }

    private static <T> T retryWhileBusy(Supplier<CompletableFuture<T>> call, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHANGE_TIMEOUT_MS);
        while (true) {
            try {
                return await(call.get(), what);
            } catch (RaftGroupException e) {
                // BUSY: a new leader's first entry is not committed yet, or another change is in flight.
                boolean retry = (e.reason() == RaftGroupException.Reason.BUSY
                        || e.reason() == RaftGroupException.Reason.MEMBERSHIP_CONFLICT)
                        && System.nanoTime() < deadline;
                if (!retry) {
                    throw e;
                }
                pause(50);
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RaftGroupException rge) {
                throw rge;
            }
            if (cause instanceof RequestException re) {
                throw re;
            }
            throw new RequestException("cannot " + what + ": " + cause.getMessage());
        } catch (TimeoutException e) {
            throw new RequestException("cannot " + what + ": not committed within " + CHANGE_TIMEOUT_MS
                    + " ms (is a majority of the members running?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted while waiting to " + what);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted");
        }
    }
}
