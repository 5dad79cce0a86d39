package flymq.broker.replication;

import flymq.broker.cluster.PartitionLeader;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.FrameCodec;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import flymq.protocol.message.Forwarded;
import flymq.protocol.message.WireMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Routes the extension opcodes BATCH_PRODUCE 0xC0 and BATCH_FETCH 0xC1 (layouts in {@link ExtensionOpcodes}) to
 * the nodes leading their partitions. A request may name partitions led by different nodes: it is split into one
 * request per leader (groups or positions kept in request order), the parts run locally or are forwarded through
 * {@link LeaderForwarder}, and the answers are merged back into one answer in request order. A BATCH_PRODUCE group
 * with partition -1 gets its partition chosen here (round robin, as the single node does), so the group reaches the
 * partition's leader with an explicit partition. An idempotent producer's id and the groups' sequences go along with
 * every part, so the leader can recognise a retried group.
 *
 * <p>A forwarded part carries the {@link Forwarded} marker after the request proper; its receiver serves it
 * locally whatever it believes about leadership, so two nodes that disagree for a moment never bounce a request
 * between them (the partition's group then answers "not leader" if the receiver lost the leadership meanwhile).
 * Reads are served only from a copy that holds the partition's log up to where it answers ({@link
 * PartitionLeadership#readable}): a forwarded BATCH_FETCH at a node without a ready replica, and a partition whose
 * leader is not known here, get a per-partition "not leader" instead of an empty or short answer from a log that
 * is not the partition's (docs/cluster.md, "Reads come only from a complete copy"). A
 * leader that cannot be reached turns into a per-group (per-partition) error "not leader: leader_id=... leader_addr=
 * ..." in the merged answer, and a part refused by the forwarding budget into that part's {@link
 * ClusterBusyException} text; the other parts are still served.
 */
final class BatchRouter {

    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final LeaderForwarder forwarder;
    private final Consumer<String> autoCreate;

    BatchRouter(TopicManager topics, PartitionLeadership leadership, LeaderForwarder forwarder,
                Consumer<String> autoCreate) {
        this.topics = topics;
        this.leadership = leadership;
        this.forwarder = forwarder;
        this.autoCreate = autoCreate;
    }

    /** Where a part goes: this node (empty id) or a leader's id and client address. */
    private record Destination(String leaderId, String leaderAddr) {
        static final Destination LOCAL = new Destination("", "");

        boolean local() {
            return leaderId.isEmpty();
        }
    }

    private Destination destination(String topic, int partition) {
        PartitionLeader owner = leadership.awaitLeader(topic, partition, PartitionRouter.ELECTION_WAIT);
        if (owner.local() || owner.leaderId().isEmpty()) {
            return Destination.LOCAL; // the local handler gives the usual answer for unknown or leaderless partitions
        }
        return new Destination(owner.leaderId(), owner.leaderAddr());
    }

    // ------------------------------------------------------------------ BATCH_PRODUCE

    /** A request group, its position in the request, and its partition once chosen. */
    private record ProduceGroup(int index, BatchProduceRequest.Group group) {
    }

    RequestHandler batchProduce(RequestHandler local) {
        return (session, in, out) -> {
            int start = in.position();
            BatchProduceRequest request = BatchProduceRequest.read(in);
            int end = in.position();
            String topic = request.topic();
            int n = request.groups().size();
            boolean forwarded = request.forwarded();
            if (autoCreate != null && !forwarded && topics.find(topic).isEmpty()) {
                autoCreate.accept(topic);
            }
            Optional<Topic> t = topics.find(topic);
            Map<Destination, List<ProduceGroup>> parts = new LinkedHashMap<>();
            boolean asSent = !forwarded; // every group stays here with the partition the client named
            for (int i = 0; i < n; i++) {
                BatchProduceRequest.Group g = request.groups().get(i);
                Destination d = Destination.LOCAL;
                if (!forwarded && t.isPresent() && g.partition() >= -1) {
                    try {
                        int p = t.get().choosePartition(null, g.partition());
                        asSent &= p == g.partition();
                        g = g.withPartition(p);
                        d = destination(topic, p);
                    } catch (RequestException e) {
                        // unknown partition: the local handler reports it for this group
                    }
                }
                asSent &= d.local();
                parts.computeIfAbsent(d, k -> new ArrayList<>()).add(new ProduceGroup(i, g));
            }
            if (asSent) {
                // the client reached the leader of all its groups (the usual case): the request as it came is the
                // one part, and the local answer is the merged answer; re-encoding the part and decoding it again,
                // then its answer, copied every record twice and walked the request twice more on the leader's
                // connection thread, which shares the cores with the Raft work of acks=all
                local.handle(session, new PayloadReader(in.array(), start, end - start), out);
                return;
            }
            BatchProduceResponse.GroupResult[] results = new BatchProduceResponse.GroupResult[n];
            for (Map.Entry<Destination, List<ProduceGroup>> part : parts.entrySet()) {
                List<ProduceGroup> gs = part.getValue();
                List<BatchProduceRequest.Group> groups = new ArrayList<>(gs.size());
                for (ProduceGroup g : gs) {
                    groups.add(g.group());
                }
                byte[] answer;
                try {
                    answer = call(part.getKey(), ExtensionOpcodes.BATCH_PRODUCE,
                            new BatchProduceRequest(topic, request.acks(), groups, !part.getKey().local(),
                                    request.producerId()), local,
                            session);
                } catch (LeaderForwarder.Unreachable | ClusterBusyException e) {
                    // only these groups failed: the other parts may already be written, so the answer is per group
                    for (ProduceGroup g : gs) {
                        String error = e instanceof ClusterBusyException ? e.getMessage()
                                : notLeader(part.getKey(), topic, g.group().partition(), e.getMessage());
                        results[g.index()] = BatchProduceResponse.GroupResult.failed(g.group().partition(),
                                g.group().recordCount(), error);
                    }
                    continue;
                }
                List<BatchProduceResponse.GroupResult> answered = BatchProduceResponse.read(new PayloadReader(answer))
                        .groups();
                if (answered.size() != gs.size()) {
                    throw new RequestException("BATCH_PRODUCE to " + topic + ": node " + part.getKey().leaderId()
                            + " answered " + answered.size() + " groups for " + gs.size());
                }
                for (int i = 0; i < gs.size(); i++) {
                    results[gs.get(i).index()] = answered.get(i);
                }
            }
            new BatchProduceResponse(topic, List.of(results)).write(out);
        };
    }

    // ------------------------------------------------------------------ BATCH_FETCH

    private record Position(int index, BatchFetchRequest.Position position) {
    }

    /** One partition's part of a merged answer: its header and its record bytes ({@code records[from, from+len)}). */
    private record FetchedPartition(BatchFetchResponse.PartitionHeader header, byte[] records, int from) {
        static FetchedPartition failed(int partition, String error) {
            return new FetchedPartition(BatchFetchResponse.PartitionHeader.failed(partition, error), new byte[0], 0);
        }
    }

    RequestHandler batchFetch(RequestHandler local) {
        return (session, in, out) -> {
            BatchFetchRequest request = BatchFetchRequest.read(in);
            String topic = request.topic();
            int n = request.positions().size();
            Map<Destination, List<Position>> parts = new LinkedHashMap<>();
            FetchedPartition[] fetched = new FetchedPartition[n];
            for (int i = 0; i < n; i++) {
                BatchFetchRequest.Position p = request.positions().get(i);
                Destination d;
                String refused;
                if (request.forwarded()) {
                    d = Destination.LOCAL;
                    refused = forwardedReadRefused(topic, p.partition());
                } else {
                    PartitionLeader owner = leadership.awaitLeader(topic, p.partition(), PartitionRouter.ELECTION_WAIT);
                    d = owner.local() || owner.leaderId().isEmpty() ? Destination.LOCAL
                            : new Destination(owner.leaderId(), owner.leaderAddr());
                    refused = d.local() ? localReadRefused(topic, p.partition(), owner) : null;
                }
                if (refused != null) {
                    fetched[i] = FetchedPartition.failed(p.partition(), refused);
                    continue;
                }
                parts.computeIfAbsent(d, k -> new ArrayList<>()).add(new Position(i, p));
            }
            for (Map.Entry<Destination, List<Position>> part : parts.entrySet()) {
                List<Position> ps = part.getValue();
                List<BatchFetchRequest.Position> positions = new ArrayList<>(ps.size());
                for (Position p : ps) {
                    positions.add(p.position());
                }
                byte[] answer;
                try {
                    answer = call(part.getKey(), ExtensionOpcodes.BATCH_FETCH, new BatchFetchRequest(topic,
                            request.maxBytes(), positions, !part.getKey().local(), request.isolation()), local,
                            session);
                } catch (LeaderForwarder.Unreachable | ClusterBusyException e) {
                    for (Position p : ps) {
                        String error = e instanceof ClusterBusyException ? e.getMessage()
                                : notLeader(part.getKey(), topic, p.position().partition(), e.getMessage());
                        fetched[p.index()] = FetchedPartition.failed(p.position().partition(), error);
                    }
                    continue;
                }
                PayloadReader r = new PayloadReader(answer);
                List<BatchFetchResponse.PartitionHeader> headers = BatchFetchResponse.read(r).partitions();
                if (headers.size() != ps.size()) {
                    throw new RequestException("BATCH_FETCH of " + topic + ": node " + part.getKey().leaderId()
                            + " answered " + headers.size() + " partitions for " + ps.size());
                }
                int pos = r.position();
                for (int i = 0; i < headers.size(); i++) {
                    fetched[ps.get(i).index()] = new FetchedPartition(headers.get(i), answer, pos);
                    pos += headers.get(i).byteLength();
                }
            }
            // Parts were each kept under the frame limit; together they may not be: later partitions then return
            // no records this time (no error, their position does not move), as the single node does.
            long left = FrameCodec.MAX_PAYLOAD - 1024L - n * 64L;
            List<BatchFetchResponse.PartitionHeader> headers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                BatchFetchResponse.PartitionHeader h = fetched[i].header();
                if (h.byteLength() <= left) {
                    left -= h.byteLength();
                } else {
                    h = new BatchFetchResponse.PartitionHeader(h.partition(), h.error(), h.startOffset(),
                            h.endOffset(), 0, 0);
                }
                headers.add(h);
            }
            new BatchFetchResponse(topic, headers).write(out);
            for (int i = 0; i < n; i++) {
                out.raw(fetched[i].records(), fetched[i].from(), headers.get(i).byteLength());
            }
        };
    }

    /**
     * Why a read this node would serve from its own log is refused (null: served). Served: the leader's copy once
     * it may answer reads (a leader that just started replays its log first; waited for a few elections' worth), and
     * a partition the metadata does not know (the local handler answers "not found"). Refused with a retriable
     * "not leader": a known partition without a known leader (this node's replica still starting, or an election
     * that did not end within the wait), whose copy here may be empty or incomplete, and a partition whose copy here
     * may not answer reads.
     */
    private String localReadRefused(String topic, int partition, PartitionLeader owner) {
        if (owner.local()) {
            return leadership.awaitReadable(topic, partition, PartitionRouter.ELECTION_WAIT) ? null
                    : notLeader(owner.leaderId(), owner.leaderAddr(), topic, partition,
                            "this node leads it but its copy is still being restored");
        }
        if (!owner.replicas().isEmpty()) {
            return notLeader("", "", topic, partition, "no leader elected; this node does not serve the partition's"
                    + " records in its place");
        }
        return unknownPartitionRefused(topic, partition);
    }

    /**
     * Why a forwarded read is refused here (null: served from this node's log, whatever it believes about
     * leadership, so two nodes that disagree never bounce it): this node must run a replica whose copy may answer
     * reads (waited for as long as a starting replica's replay takes); a node that holds no replica of it, or whose
     * replica is still copying or replaying, answers "not leader" naming the leader it knows, which the sender
     * returns to its client to retry, instead of an empty or short answer from a log that is not the partition's.
     */
    private String forwardedReadRefused(String topic, int partition) {
        if (leadership.readable(topic, partition)) {
            return null;
        }
        PartitionLeader l = leadership.leader(topic, partition);
        if (l.replicas().isEmpty()) {
            return unknownPartitionRefused(topic, partition);
        }
        if (l.replicas().contains(leadership.localNodeId())
                && leadership.awaitReadable(topic, partition, PartitionRouter.ELECTION_WAIT)) {
            return null;
        }
        String why = l.replicas().contains(leadership.localNodeId())
                ? "this node's replica is still starting or copying the partition's records"
                : "this node holds no replica of it (replicas " + l.replicas() + ")";
        return notLeader(l.leaderId(), l.leaderAddr(), topic, partition, why);
    }

    /**
     * A partition the metadata here does not know: answered by the local handler ("topic not found", "partition 7
     * not found") unless this node holds the topic already while its copy may not answer reads (a restarted node
     * whose metadata replay has not reached the topic's assignment yet).
     */
    private String unknownPartitionRefused(String topic, int partition) {
        Optional<Topic> t = topics.find(topic);
        if (t.isEmpty() || partition < 0 || partition >= t.get().partitionCount()
                || leadership.readable(topic, partition)) {
            return null;
        }
        return notLeader("", "", topic, partition, "the cluster's metadata is still being replayed on this node");
    }

    // ------------------------------------------------------------------ shared

    /** Serves a part here, or forwards it (the request then carries the {@link Forwarded} marker). */
    private byte[] call(Destination d, int opcode, WireMessage request, RequestHandler local, Session session) {
        if (d.local()) {
            PayloadWriter bytes = new PayloadWriter(request.sizeHint());
            request.write(bytes);
            PayloadWriter answer = new PayloadWriter();
            local.handle(session, new PayloadReader(bytes.toPayload()), answer);
            return answer.toPayload();
        }
        if (d.leaderAddr().isEmpty()) {
            throw new LeaderForwarder.Unreachable("its client address is not known yet");
        }
        return forwarder.call(d.leaderId(), d.leaderAddr(), opcode, request);
    }

    private static String notLeader(Destination d, String topic, int partition, String why) {
        return notLeader(d.leaderId(), d.leaderAddr(), topic, partition, why);
    }

    private static String notLeader(String leaderId, String leaderAddr, String topic, int partition, String why) {
        return "not leader: leader_id=" + leaderId + " leader_addr=" + leaderAddr + " (topic " + topic
                + " partition " + partition + ": " + why + ")";
    }
}
