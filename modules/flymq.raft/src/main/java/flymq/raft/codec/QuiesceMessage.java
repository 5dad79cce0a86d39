package flymq.raft.codec;

import flymq.raft.RaftMember;
import io.microraft.RaftEndpoint;
import io.microraft.model.message.RaftMessage;

/**
 * FlyMQ's own group message (never handed to MicroRaft) by which an idle group's leader and followers agree to
 * hibernate: the leader stops heartbeating, the followers stop expecting heartbeats, and the node-level heartbeat
 * ({@link NodeHeartbeat}) stands in for both until something happens. The protocol and its safety argument are in
 * {@code Quiescence} and docs/raft.md ("Idle groups hibernate").
 *
 * @param commitIndex the leader's commit index (= its last log index) the request is made at; echoed in answers
 */
public record QuiesceMessage(String groupId, RaftMember sender, int term, Kind kind, long commitIndex)
        implements RaftMessage {

    public enum Kind {
        /** leader to follower: hibernate at this term and index */
        REQUEST,
        /** follower to leader: hibernating at this term and index */
        ACCEPT,
        /** follower to leader: not hibernating (its log, term or leader differ) */
        REFUSE,
        /** either way: something changed, stop hibernating */
        WAKE
    }

    @Override
    public Object getGroupId() {
        return groupId;
    }

    @Override
    public RaftEndpoint getSender() {
        return sender;
    }

    @Override
    public int getTerm() {
        return term;
    }
}
