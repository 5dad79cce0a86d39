package flymq.raft.patch;

import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.state.FollowerState;
import io.microraft.impl.state.LeaderState;
import io.microraft.impl.state.RaftState;

import java.util.List;
import java.util.Map;

/**
 * What hibernation ({@code Quiescence}) reads from and refreshes in a MicroRaft 0.7 node. Every method must run on
 * the node's Raft thread: MicroRaft's state is not thread-safe. The reads are of public accessors of MicroRaft's
 * {@code impl} state classes; the two refreshes use public methods MicroRaft itself calls when a heartbeat or an
 * AppendEntries response arrives.
 */
public final class QuiescentView {

    private QuiescentView() {
    }

    /**
     * The member's position: role, term, leader and its log. {@code idleLeader} is true when the member leads, every
     * entry of its log is committed and matched by every follower, and no membership change, leadership transfer
     * or snapshot transfer is under way: nothing would be in its next AppendEntries but a heartbeat.
     */
    public record Position(RaftRole role, int term, RaftEndpoint leader, long commitIndex, long lastLogIndex,
                           List<RaftEndpoint> followers, boolean idleLeader, boolean settledFollower) {
    }

    public static Position read(RaftNode raftNode) {
        if (!(raftNode instanceof RaftNodeImpl node) || node.state() == null) {
            return null;
        }
        RaftState state = node.state();
        long commit = state.commitIndex();
        long last = state.log().lastLogOrSnapshotIndex();
        boolean settledMembers = state.committedGroupMembers().getLogIndex()
                == state.effectiveGroupMembers().getLogIndex();
        LeaderState leaderState = state.leaderState();
        boolean idleLeader = false;
        List<RaftEndpoint> followers = List.of();
        if (state.role() == RaftRole.LEADER && leaderState != null) {
            followers = List.copyOf(leaderState.getFollowerStates().keySet());
            idleLeader = commit == last && commit > 0 && settledMembers && state.leadershipTransferState() == null;
            for (Map.Entry<RaftEndpoint, FollowerState> e : leaderState.getFollowerStates().entrySet()) {
                idleLeader &= e.getValue().matchIndex() == last;
            }
        }
        boolean settledFollower = (state.role() == RaftRole.FOLLOWER || state.role() == RaftRole.LEARNER)
                && state.leader() != null && commit == last && state.snapshotChunkCollector() == null
                && state.preCandidateState() == null;
        return new Position(state.role(), state.term(), state.leader(), commit, last, followers, idleLeader,
                settledFollower);
    }

    /** On a follower: counts now as a heartbeat from its leader (the leader's node was heard from). */
    public static void leaderHeard(RaftNode raftNode) {
        if (raftNode instanceof RaftNodeImpl node && node.state() != null && node.state().leader() != null) {
            node.leaderHeartbeatReceived();
        }
    }

    /** On a leader: counts now as an AppendEntries response from {@code follower} (its node was heard from). */
    public static void followerHeard(RaftNode raftNode, RaftEndpoint follower) {
        if (raftNode instanceof RaftNodeImpl node && node.state() != null) {
            LeaderState leaderState = node.state().leaderState();
            FollowerState f = leaderState == null ? null : leaderState.getFollowerStates().get(follower);
            if (f != null) {
                // a sequence number no request carries: the timestamp moves, the request backoff stays as it is
                f.responseReceived(Long.MIN_VALUE, node.getClock().millis());
            }
        }
    }
}
