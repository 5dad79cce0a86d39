package flymq.broker.replication;

import flymq.broker.cluster.PartitionLeader;
import flymq.broker.cluster.PartitionLeadership;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.broker.server.RequestHandler;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;

/**
 * Routes the partition requests the official SDKs send (PRODUCE, CONSUME, FETCH and their variants) to the node
 * that owns the partition, so a client connected to any node of the cluster reads and writes the partition's one
 * log. The request is decoded here (its layout is the wrapped handler's: see {@code ProduceHandler},
 * {@code ConsumeHandler}, {@code FetchHandler}); when this node owns the partition the wrapped handler runs on a
 * re-encoded copy, otherwise the copy goes to the owner through {@link LeaderForwarder} and the owner's answer is
 * returned unchanged. A PRODUCE without a partition gets its partition chosen here (the same key hash /
 * round-robin as the single node), so the owner receives an explicit partition.
 *
 * <p>When the owner is unknown or unreachable the answer is the spec's
 * {@code not leader: leader_id=... leader_addr=...} (with the reason), which smart clients use to reconnect.
 */
final class PartitionRouter {
    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final LeaderForwarder forwarder;
    private final java.util.function.Consumer<String> autoCreate;

    /** @param autoCreate creates a missing topic through the metadata group (null when auto-create is off) */
    PartitionRouter(TopicManager topics, PartitionLeadership leadership, LeaderForwarder forwarder,
                    java.util.function.Consumer<String> autoCreate) {
        this.topics = topics;
        this.leadership = leadership;
        this.forwarder = forwarder;
        this.autoCreate = autoCreate;
    }

    /** PRODUCE: {@code str16 topic · bytes32 key · bytes32 value · [i32 partition]}. */
    RequestHandler produce(RequestHandler local) {
        return (session, in, out) -> {
            String name = in.str16("topic");
            byte[] key = in.bytes32("key");
            byte[] value = in.bytes32("value");
            int requested = in.remaining() >= 4 ? in.i32("partition") : -1;
            int partition = requested;
            if (autoCreate != null && topics.find(name).isEmpty()) {
                autoCreate.accept(name);
            }
            if (requested >= -1) {
                Topic topic = topics.topic(name);
                partition = topic.choosePartition(key, requested);
            }
            PayloadWriter copy = new PayloadWriter(key.length + value.length + name.length() * 3 + 16)
                    .str16(name).bytes32(key).bytes32(value).i32(partition);
            route(Opcodes.PRODUCE, name, partition, copy, local, session, out);
        };
    }

    /** CONSUME and CONSUME_ZERO_COPY: {@code str16 topic · i32 partition · u64 offset}. */
    RequestHandler consume(int opcode, RequestHandler local) {
        return (session, in, out) -> {
            String name = in.str16("topic");
            int partition = in.i32("partition");
            long offset = in.u64("offset");
            route(opcode, name, partition, new PayloadWriter().str16(name).i32(partition).u64(offset), local,
                    session, out);
        };
    }

    /** FETCH and FETCH_BINARY: {@code str16 topic · i32 partition · u64 offset · i32 max_messages · [str16 filter]}. */
    RequestHandler fetch(int opcode, RequestHandler local) {
        return (session, in, out) -> {
            String name = in.str16("topic");
            int partition = in.i32("partition");
            long offset = in.u64("offset");
            int max = in.i32("max_messages");
            PayloadWriter copy = new PayloadWriter().str16(name).i32(partition).u64(offset).i32(max);
            if (in.remaining() >= 2) {
                // Copied byte for byte: the wrapped handler decides what an overrunning filter length means.
                int n = in.remaining();
                for (int i = 0; i < n; i++) {
                    copy.u8(in.u8("filter"));
                }
            }
            route(opcode, name, partition, copy, local, session, out);
        };
    }

    private void route(int opcode, String topic, int partition, PayloadWriter request, RequestHandler local,
                       flymq.broker.server.Session session, PayloadWriter out) {
        PartitionLeader owner = leadership.leader(topic, partition);
        if (owner.local() || owner.leaderId().isEmpty()) {
            // Local, or no owner (unknown topic or partition, assignment not replayed yet): the wrapped handler
            // gives the usual answer ("topic not found", "partition 7 not found", "not leader ...").
            byte[] bytes = request.toPayload();
            local.handle(session, new PayloadReader(bytes), out);
            return;
        }
        if (owner.leaderAddr().isEmpty()) {
            throw notLeader(owner, topic, partition, "its client address is not known yet");
        }
        byte[] answer;
        try {
            answer = forwarder.call(owner.leaderId(), owner.leaderAddr(), opcode, request);
        } catch (LeaderForwarder.Unreachable e) {
            throw notLeader(owner, topic, partition, e.getMessage());
        }
        out.raw(answer, 0, answer.length);
    }

    private static RequestException notLeader(PartitionLeader owner, String topic, int partition, String why) {
        return new RequestException("not leader: leader_id=" + owner.leaderId() + " leader_addr="
                + owner.leaderAddr() + " (topic " + topic + " partition " + partition + ": " + why + ")");
    }
}
