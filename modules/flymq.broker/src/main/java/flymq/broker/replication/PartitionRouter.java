package flymq.broker.replication;

import flymq.broker.cluster.PartitionLeader;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.ConsumeRequest;
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.ProduceRequest;
import flymq.protocol.message.TimedProduceRequest;
import flymq.protocol.message.WireMessage;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Routes the partition requests the official SDKs send (PRODUCE, CONSUME, FETCH and their variants) to the node that
 * owns the partition, so a client connected to any node of the cluster reads and writes the partition's one log. The
 * request is decoded here with its message type ({@link ProduceRequest}, {@link ConsumeRequest}, {@link FetchRequest},
 * the same the wrapped handlers read); when this node owns the partition the wrapped handler runs on a re-encoded copy,
 * otherwise the copy goes to the owner through {@link LeaderForwarder} and the owner's answer is returned unchanged. A
 * PRODUCE without a partition gets its partition chosen here (the same key hash / round-robin as the single node), so
 * the owner receives an explicit partition.
 *
 * <p>When the owner is unknown or unreachable the answer is the spec's
 * {@code not leader: leader_id=... leader_addr=...} (with the reason), which smart clients use to reconnect.
 */
final class PartitionRouter {
    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final LeaderForwarder forwarder;
    private final Consumer<String> autoCreate;

    /** @param autoCreate creates a missing topic through the metadata group (null when auto-create is off) */
    /** How long a request waits for a partition's replicas to elect a leader: a few elections' worth. */
    static final Duration ELECTION_WAIT = Duration.ofSeconds(5);

    PartitionRouter(TopicManager topics, PartitionLeadership leadership, LeaderForwarder forwarder,
                    Consumer<String> autoCreate) {
        this.topics = topics;
        this.leadership = leadership;
        this.forwarder = forwarder;
        this.autoCreate = autoCreate;
    }

    /** PRODUCE ({@link ProduceRequest}): forwarded with the partition chosen here. */
    RequestHandler produce(RequestHandler local) {
        return (session, in, out) -> {
            ProduceRequest r = ProduceRequest.read(in);
            String name = r.topic();
            int partition = r.partition();
            if (autoCreate != null && topics.find(name).isEmpty()) {
                autoCreate.accept(name);
            }
            if (r.partition() >= -1) {
                Topic topic = topics.topic(name);
                partition = topic.choosePartition(r.key(), r.partition());
            }
            route(Opcodes.PRODUCE, name, partition, new ProduceRequest(name, r.key(), r.value(), partition), local,
                    session, out);
        };
    }

    /**
     * PRODUCE_WITH_TTL ({@link TimedProduceRequest}): like PRODUCE, forwarded with the partition chosen here (the
     * owner then receives the request's long form, which carries the partition).
     */
    RequestHandler timedProduce(int opcode, RequestHandler local) {
        return (session, in, out) -> {
            TimedProduceRequest r = TimedProduceRequest.read(in);
            String name = r.topic();
            int partition = r.partition();
            if (autoCreate != null && topics.find(name).isEmpty()) {
                autoCreate.accept(name);
            }
            if (r.partition() >= -1) {
                partition = topics.topic(name).choosePartition(r.key(), r.partition());
            }
            route(opcode, name, partition, new TimedProduceRequest(name, r.value(), r.millis(), r.key(), partition),
                    local, session, out);
        };
    }

    /** CONSUME and CONSUME_ZERO_COPY ({@link ConsumeRequest}). */
    RequestHandler consume(int opcode, RequestHandler local) {
        return (session, in, out) -> {
            ConsumeRequest r = ConsumeRequest.read(in);
            route(opcode, r.topic(), r.partition(), r, local, session, out, true);
        };
    }

    /**
     * FETCH and FETCH_BINARY ({@link FetchRequest}); a missing or overrunning filter reaches the owner as no filter,
     * which is what the owner's handler would make of it.
     */
    RequestHandler fetch(int opcode, RequestHandler local) {
        return (session, in, out) -> {
            FetchRequest r = FetchRequest.read(in);
            route(opcode, r.topic(), r.partition(), r, local, session, out, true);
        };
    }

    /** A request whose target partition {@code target} reads from it ({@link flymq.broker.cluster.RoutedRequest}). */
    RequestHandler routedTo(int opcode, RequestHandler local,
                            java.util.function.Function<flymq.protocol.PayloadReader,
                                    flymq.broker.cluster.RoutedRequest> target) {
        return (session, in, out) -> {
            flymq.broker.cluster.RoutedRequest r = target.apply(in);
            route(opcode, r.topic(), r.partition(), r.request(), local, session, out);
        };
    }

    private void route(int opcode, String topic, int partition, WireMessage request, RequestHandler local,
                       Session session, PayloadWriter out) {
        route(opcode, topic, partition, request, local, session, out, false);
    }

    /**
     * @param read whether the request reads records: it is served here only from a copy that holds the partition's
     *             log up to where it answers (this node leads and its replica may answer reads, or the partition is
     *             unknown to the metadata and the local handler says so); a known partition without a known leader,
     *             or a leader whose copy is still being restored, is answered "not leader", which clients retry,
     *             never with a short or empty read from an incomplete copy
     */
    private void route(int opcode, String topic, int partition, WireMessage request, RequestHandler local,
                       Session session, PayloadWriter out, boolean read) {
        PartitionLeader owner = leadership.awaitLeader(topic, partition, ELECTION_WAIT);
        if (read && owner.local() && !leadership.awaitReadable(topic, partition, ELECTION_WAIT)) {
            throw notLeader(owner, topic, partition, "this node leads it but its copy is still being restored");
        }
        if (read && !owner.local() && owner.leaderId().isEmpty() && (!owner.replicas().isEmpty()
                || (topics != null && heldHere(topic, partition)))) {
            throw notLeader(owner, topic, partition, owner.replicas().isEmpty()
                    ? "the cluster's metadata is still being replayed on this node"
                    : "no leader elected; this node does not serve the partition's records in its place");
        }
        if (owner.local() || owner.leaderId().isEmpty()) {
            // Local, or no owner (unknown topic or partition, assignment not replayed yet): the wrapped handler
            // gives the usual answer ("topic not found", "partition 7 not found", "not leader ...").
            PayloadWriter bytes = new PayloadWriter(request.sizeHint());
            request.write(bytes);
            local.handle(session, new PayloadReader(bytes.toPayload()), out);
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

    /** Whether this node holds the topic's partition while its copy may not answer reads. */
    private boolean heldHere(String topic, int partition) {
        Optional<Topic> t = topics.find(topic);
        return t.isPresent() && partition >= 0 && partition < t.get().partitionCount()
                && !leadership.readable(topic, partition);
    }

    private static RequestException notLeader(PartitionLeader owner, String topic, int partition, String why) {
        return new RequestException("not leader: leader_id=" + owner.leaderId() + " leader_addr="
                + owner.leaderAddr() + " (topic " + topic + " partition " + partition + ": " + why + ")");
    }
}
