package flymq.raft.transport;

import flymq.raft.RaftMember;
import io.microraft.model.message.RaftMessage;

import java.util.function.Consumer;

/**
 * Moves Raft messages between the nodes of a cluster for any number of Raft groups hosted on this node.
 *
 * <p>One transport per process serves every group: messages carry their group id, and inbound messages are
 * handed to the consumer registered for that group. Implementations must never block the caller of
 * {@link #send}: it runs on a Raft node's single thread, and Raft tolerates a lost message far better than a
 * stalled leader, so a full queue or a dead peer means the message is dropped.
 */
public interface ClusterTransport extends AutoCloseable {

    /** Routes inbound messages whose group id is {@code groupId} to {@code inbound}. Replaces an earlier one. */
    void register(String groupId, Consumer<RaftMessage> inbound);

    void unregister(String groupId);

    /** Queues {@code message} for {@code target}; returns at once, dropping the message if it cannot be queued. */
    void send(RaftMember target, RaftMessage message);

    /** Whether the last attempt to reach {@code target} succeeded (true until proven otherwise). */
    boolean isReachable(RaftMember target);

    @Override
    void close();
}
