package flymq.raft.patch;

import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.RaftRole;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.handler.AppendEntriesRequestHandler;
import io.microraft.impl.log.RaftLog;
import io.microraft.impl.state.RaftState;
import io.microraft.model.log.LogEntry;
import io.microraft.model.message.AppendEntriesRequest;

import java.util.List;

/**
 * Works around a liveness bug in MicroRaft 0.7 that left a follower behind for good after it installed a snapshot.
 *
 * <p>The bug: when a follower installs a snapshot at index S, MicroRaft drops its log entries up to S but keeps
 * those after S. Its AppendEntries check then looks the previous entry up in the log only ({@code
 * AppendEntriesRequestHandler.verifyLastLogEntry}), unless it is the last entry; the entry at S is gone, so every
 * request whose previous index is S is rejected, although the snapshot proves the follower holds the entry at S
 * with the snapshot's term. The leader has S as that follower's match index (the follower acknowledged the
 * snapshot) and will not probe below it ("Cannot decrement next index ... below match index"), so it repeats the
 * same request forever. The follower only gets past it through the next snapshot. A follower has entries after
 * the snapshot index when it was a deposed leader (or its follower) holding an uncommitted tail of an old term:
 * exactly what partitions leave behind, and how the fault-injection test hit it (once in about 30 runs; the
 * deterministic case is {@code SnapshotBoundaryTest}). The same state follows a restart from a data dir holding
 * a snapshot plus such a tail.
 *
 * <p>The repair handles, on the node's Raft thread and right before MicroRaft's own handler, an AppendEntries
 * request that would hit the bug (previous index = snapshot index, no log entry there, entries after it, the
 * snapshot's term) the way Raft prescribes, in MicroRaft's terms:
 * <ul>
 *   <li>the leading entries of the request that this log already holds with the same index and term are identical
 *       to ours (Raft's log matching property), so the request is rewritten to start after the last of them, with
 *       that entry as the previous one, which MicroRaft finds and checks; the reply (last index = previous index
 *       + entries) is the same as for the original request, and MicroRaft truncates at the first conflict itself;
 *   <li>if the very first entry after the snapshot conflicts, the whole tail after the snapshot is from another
 *       history and cannot be committed (the leader holds every committed entry), so it is truncated here as
 *       MicroRaft truncates a conflict (log, prepared membership change, store) and the request then passes
 *       MicroRaft's check unchanged (previous index = last index).
 * </ul>
 * Nothing is dropped that Raft would keep, and a rewritten request only repeats part of what the leader sent, so a
 * duplicated or late request is as harmless as the original. A request without entries (a heartbeat or probe) is
 * left alone: the leader follows a rejection with entries or a snapshot, which lands in one of the cases above.
 */
public final class SnapshotBoundaryRepair {

    private static final System.Logger LOG = System.getLogger(SnapshotBoundaryRepair.class.getName());

    private SnapshotBoundaryRepair() {
    }

    /**
     * Handles {@code request} on {@code node}'s Raft thread (call it there), repaired when it would hit the bug. A
     * node that is not MicroRaft's own implementation gets the request unchanged.
     */
    public static void handle(RaftNode raftNode, AppendEntriesRequest request) {
        if (!(raftNode instanceof RaftNodeImpl node)) {
            raftNode.handle(request);
            return;
        }
        AppendEntriesRequest repaired = request;
        RaftNodeStatus status = node.getStatus();
        if (!RaftNodeStatus.isTerminal(status) && status != RaftNodeStatus.INITIAL) {
            repaired = repair(node, request);
        }
        new AppendEntriesRequestHandler(node, repaired).run();
    }

    static AppendEntriesRequest repair(RaftNodeImpl node, AppendEntriesRequest request) {
        RaftState state = node.state();
        RaftLog log = state.log();
        long snapshotIndex = log.snapshotIndex();
        List<LogEntry> entries = request.getLogEntries();
        // only a follower (or learner) of this very leader: a higher term or a candidate is first turned into
        // one by MicroRaft (rejecting this request as before), and the leader's next request is repaired
        if (snapshotIndex == 0 || request.getPreviousLogIndex() != snapshotIndex || entries.isEmpty()
                || request.getTerm() != state.term()
                || (state.role() != RaftRole.FOLLOWER && state.role() != RaftRole.LEARNER)
                || log.lastLogOrSnapshotIndex() == snapshotIndex
                || log.containsLogEntry(snapshotIndex)
                || request.getPreviousLogTerm() != log.snapshotEntry().getTerm()) {
            return request; // not the bug, or not yet: MicroRaft handles it as it is
        }
        long lastLogIndex = log.lastLogOrSnapshotIndex();
        int held = 0;
        for (LogEntry entry : entries) {
            LogEntry local = entry.getIndex() <= lastLogIndex ? log.getLogEntry(entry.getIndex()) : null;
            if (local == null || local.getTerm() != entry.getTerm()) {
                break;
            }
            held++;
        }
        String where = node.localEndpointStr();
        if (held > 0) {
            LogEntry previous = entries.get(held - 1);
            LOG.log(System.Logger.Level.DEBUG, () -> where + " AppendEntries after snapshot index " + snapshotIndex
                    + ": entries up to " + previous.getIndex() + " already held, checking from there");
            return node.getModelFactory().createAppendEntriesRequestBuilder().setGroupId(request.getGroupId())
                    .setSender(request.getSender()).setTerm(request.getTerm())
                    .setPreviousLogIndex(previous.getIndex()).setPreviousLogTerm(previous.getTerm())
                    .setCommitIndex(request.getCommitIndex()).setLogEntries(entries.subList(held, entries.size()))
                    .setQuerySequenceNumber(request.getQuerySequenceNumber())
                    .setFlowControlSequenceNumber(request.getFlowControlSequenceNumber()).build();
        }
        if (state.commitIndex() != snapshotIndex) {
            return request; // a committed entry after the snapshot conflicts: impossible in Raft, not ours to hide
        }
        List<LogEntry> truncated = log.truncateEntriesFrom(snapshotIndex + 1);
        LOG.log(System.Logger.Level.WARNING, where + " truncated " + truncated.size() + " entries after snapshot index "
                + snapshotIndex + " (up to " + lastLogIndex + ", term " + truncated.getFirst().getTerm()
                + ") that conflict with leader " + request.getSender().getId() + " (term "
                + entries.getFirst().getTerm() + " at " + entries.getFirst().getIndex()
                + "); MicroRaft 0.7 would reject this leader forever");
        state.invalidateFuturesFrom(snapshotIndex + 1, node.newNotLeaderException());
        if (state.effectiveGroupMembers().getLogIndex() > snapshotIndex) {
            // the member list in effect came from a truncated entry: back to the committed one, as MicroRaft does
            node.setStatus(RaftNodeStatus.ACTIVE);
            node.revertGroupMembers();
        }
        log.flush();
        return request;
    }
}
