package flymq.raft.patch;

import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.log.SnapshotChunkCollector;
import io.microraft.impl.state.RaftState;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Works around a liveness bug in MicroRaft 0.7 that left a follower without the snapshot it was collecting, for
 * good, when the term changed during the transfer.
 *
 * <p>The bug: a follower collecting a snapshot asks members for its chunks and notes each request in its
 * {@link SnapshotChunkCollector}; a chunk is not asked for again while a request for it is noted. A request left
 * unanswered for a heartbeat period is given up by a task that marks that member unresponsive and asks another
 * one; the task it schedules to give up this second request is bound to the term of that moment and does nothing
 * once the term changed. A term change is just when answers get lost: a chunk from a member that reached the new
 * term first is taken by MicroRaft as news of that term only and then dropped (its sender is not the leader), and
 * the old leader's chunks are stale. The new leader then sends InstallSnapshotRequests for the same snapshot over
 * and over, which only update the members to ask, and the chunk stays noted as requested from a member that will
 * never send it: the follower never installs the snapshot and never applies an entry. It happens to a replica that
 * restarts while a partition's leadership moves (an offer from the old leader taken up, the new leader asked
 * without answer, the old leader asked next, its chunk carrying the new term); {@code SnapshotTransferTest}
 * reproduces it on demand.
 *
 * <p>The repair looks at the collector right before and right after each inbound message, on the Raft thread: when
 * the term is not the one in which it last saw that collector, the requests noted in it may be bound to an earlier
 * term, so they are forgotten (the chunks received so far stay) and the next offer of the leader asks for the
 * missing chunks again. A late answer to a forgotten request is harmless: a chunk that is no longer missing is
 * ignored, and a give-up task finds no request to cancel. MicroRaft is an automatic module, so its packages are
 * open to this reflective read; if a future MicroRaft renames the field the repair disables itself with a warning.
 */
public final class SnapshotTransferRepair {

    private static final System.Logger LOG = System.getLogger(SnapshotTransferRepair.class.getName());
    private static final VarHandle REQUESTED_MEMBERS = findField();

    private final RaftNodeImpl node;
    // Raft thread only
    private SnapshotChunkCollector seen;
    private int seenTerm;

    private SnapshotTransferRepair(RaftNodeImpl node) {
        this.node = node;
    }

    /** The repair for {@code node}, or null when it cannot apply (not MicroRaft's own node, or a renamed field). */
    public static SnapshotTransferRepair install(RaftNode node) {
        if (REQUESTED_MEMBERS == null || !(node instanceof RaftNodeImpl impl)) {
            return null;
        }
        return new SnapshotTransferRepair(impl);
    }

    /** Before and after MicroRaft handles an inbound message; on the node's Raft thread. */
    public void check() {
        RaftState state = node.state();
        SnapshotChunkCollector collector = state == null ? null : state.snapshotChunkCollector();
        if (collector == null) {
            seen = null;
            return;
        }
        int term = state.term();
        if (collector != seen) {
            seen = collector;
            seenTerm = term;
            return;
        }
        if (term == seenTerm) {
            return;
        }
        int before = seenTerm;
        seenTerm = term;
        @SuppressWarnings("unchecked")
        Map<RaftEndpoint, Integer> requested = (Map<RaftEndpoint, Integer>) REQUESTED_MEMBERS.get(collector);
        if (requested.isEmpty()) {
            return;
        }
        String forgotten = requested.toString();
        requested.clear();
        LOG.log(System.Logger.Level.INFO, () -> node.localEndpointStr() + " moved from term " + before + " to "
                + term + " while collecting the snapshot at index " + collector.getSnapshotIndex()
                + ": asks again for the chunks requested in the old term " + forgotten);
    }

    private static VarHandle findField() {
        try {
            return MethodHandles.privateLookupIn(SnapshotChunkCollector.class, MethodHandles.lookup())
                    .findVarHandle(SnapshotChunkCollector.class, "requestedMembers", Map.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot install the MicroRaft snapshot transfer repair (" + e
                    + "); a follower whose term changes while it collects a snapshot may never install it");
            return null;
        }
    }
}
