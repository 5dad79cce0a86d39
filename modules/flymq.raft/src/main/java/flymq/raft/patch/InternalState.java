package flymq.raft.patch;

import flymq.raft.RaftMember;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.log.RaftLog;
import io.microraft.impl.log.SnapshotChunkCollector;
import io.microraft.impl.state.FollowerState;
import io.microraft.impl.state.LeaderState;
import io.microraft.impl.state.RaftState;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders MicroRaft's internal state of one node as one line for diagnostics ({@code RaftGroup.internalState}).
 * Must run on the node's Raft thread: MicroRaft's state is not thread-safe. MicroRaft is an automatic module, so
 * its internals are readable; the snapshot collector's request bookkeeping is private and read reflectively.
 */
public final class InternalState {

    private InternalState() {
    }

    public static String describe(RaftNode raftNode, long ourCommitIndex) {
        StringBuilder b = new StringBuilder();
        b.append(((RaftMember) raftNode.getLocalEndpoint()).id()).append(": status ").append(raftNode.getStatus());
        if (!(raftNode instanceof RaftNodeImpl node) || node.state() == null) {
            return b.append(" (no internal state)").toString();
        }
        RaftState state = node.state();
        RaftLog log = state.log();
        b.append(", role ").append(state.role()).append(", term ").append(state.term())
                .append(", leader ").append(id(state.leader()))
                .append(", commitIndex ").append(state.commitIndex())
                .append(", lastApplied ").append(state.lastApplied())
                .append(", RaftGroup.commitIndex ").append(ourCommitIndex)
                .append(", lastLogOrSnapshotIndex ").append(log.lastLogOrSnapshotIndex())
                .append(" (term ").append(log.lastLogOrSnapshotTerm()).append(')')
                .append(", snapshotIndex ").append(log.snapshotIndex());
        SnapshotChunkCollector collector = state.snapshotChunkCollector();
        if (collector == null) {
            b.append(", no snapshot transfer pending");
        } else {
            b.append(", snapshot transfer pending: index ").append(collector.getSnapshotIndex())
                    .append(" term ").append(collector.getSnapshotTerm())
                    .append(", chunks ").append(collector.getChunks().size()).append('/').append(collector.getChunkCount())
                    .append(", from ").append(collector.getSnapshottedMembers().stream().map(InternalState::id).sorted().toList())
                    .append(", missing ").append(field(collector, "missingChunkIndices"))
                    .append(", requested ").append(field(collector, "requestedMembers"))
                    .append(", unresponsive ").append(field(collector, "unresponsiveMembers"));
        }
        LeaderState leaderState = state.leaderState();
        if (leaderState != null) {
            Map<String, String> followers = new TreeMap<>();
            for (Map.Entry<RaftEndpoint, FollowerState> e : leaderState.getFollowerStates().entrySet()) {
                followers.put(id(e.getKey()), e.getValue().toString());
            }
            b.append(", backoff task scheduled ").append(leaderState.isRequestBackoffResetTaskScheduled())
                    .append(", followers ").append(followers);
        }
        return b.toString();
    }

    private static String id(RaftEndpoint endpoint) {
        return endpoint == null ? "-" : String.valueOf(endpoint.getId());
    }

    private static String field(Object target, String name) {
        try {
            Field f = target.getClass().getDeclaredField(name);
            f.setAccessible(true);
            Object value = f.get(target);
            if (value instanceof Map<?, ?> map) {
                Map<String, Object> byId = new TreeMap<>();
                map.forEach((k, v) -> byId.put(k instanceof RaftEndpoint e ? id(e) : String.valueOf(k), v));
                return byId.toString();
            }
            if (value instanceof Iterable<?> items) {
                StringBuilder s = new StringBuilder("[");
                for (Object item : items) {
                    s.append(s.length() > 1 ? ", " : "").append(item instanceof RaftEndpoint e ? id(e) : item);
                }
                return s.append(']').toString();
            }
            return String.valueOf(value);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "<" + e + ">";
        }
    }
}
