package flymq.raft.codec;

import flymq.raft.RaftMember;
import io.microraft.RaftEndpoint;
import io.microraft.model.message.RaftMessage;

/**
 * One node telling a peer it is alive, every heartbeat period, for all the hibernating groups the two share
 * ({@code NodeLiveness}). It travels as a message of the reserved group {@link #GROUP_ID} (no topic, so no
 * partition group, can have that id: topic names have no '~').
 *
 * @param incarnation a number drawn at each start of the sending process: a change means the node restarted,
 *                    and whatever its groups had agreed before (hibernation) no longer holds
 */
public record NodeHeartbeat(RaftMember sender, long incarnation) implements RaftMessage {

    public static final String GROUP_ID = "~node";

    @Override
    public Object getGroupId() {
        return GROUP_ID;
    }

    @Override
    public RaftEndpoint getSender() {
        return sender;
    }

    @Override
    public int getTerm() {
        return 0;
    }
}
