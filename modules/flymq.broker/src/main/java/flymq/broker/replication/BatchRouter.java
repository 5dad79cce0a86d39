package flymq.broker.replication;

import flymq.broker.cluster.PartitionLeader;
import flymq.broker.cluster.PartitionLeadership;
import flymq.protocol.FrameCodec;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.ExtensionOpcodes;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
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
 * partition's leader with an explicit partition.
 *
 * <p>A forwarded part carries one trailing byte {@value #FORWARDED} after the request proper; its receiver serves it
 * locally whatever it believes about leadership, so two nodes that disagree for a moment never bounce a request
 * between them (the partition's group then answers "not leader" if the receiver lost the leadership meanwhile). A
 * leader that cannot be reached turns into a per-group (per-partition) error "not leader: leader_id=... leader_addr=
 * ..." in the merged answer, and a part refused by the forwarding budget into that part's {@link
 * ClusterBusyException} text; the other parts are still served.
 */
final class BatchRouter {
    static final int FORWARDED = 0xFF;

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
        PartitionLeader owner = leadership.leader(topic, partition);
        if (owner.local() || owner.leaderId().isEmpty()) {
            return Destination.LOCAL; // the local handler gives the usual answer for unknown or leaderless partitions
        }
        return new Destination(owner.leaderId(), owner.leaderAddr());
    }

    // ------------------------------------------------------------------ BATCH_PRODUCE

    private record ProduceGroup(int index, int partition, PayloadWriter records, int recordCount) {
    }

    RequestHandler batchProduce(RequestHandler local) {
        return (session, in, out) -> {
            String topic = in.str16("topic");
            int acks = in.u8("acks");
            int n = in.count("groups", 8);
            List<ProduceGroup> groups = new ArrayList<>(n);
            for (int g = 0; g < n; g++) {
                int partition = in.i32("partition");
                int count = in.count("records", 18);
                PayloadWriter records = new PayloadWriter();
                for (int i = 0; i < count; i++) {
                    records.i64(in.i64("timestamp")).bytes32(in.bytes32("key")).bytes32(in.bytes32("value"));
                    int headers = in.u16("header_count");
                    records.u16(headers);
                    for (int h = 0; h < headers; h++) {
                        records.str16(in.str16("header name")).bytes32(in.bytes32("header value"));
                    }
                }
                groups.add(new ProduceGroup(g, partition, records, count));
            }
            boolean forwarded = in.remaining() >= 1 && in.u8("forwarded") == FORWARDED;
            if (autoCreate != null && !forwarded && topics.find(topic).isEmpty()) {
                autoCreate.accept(topic);
            }
            Optional<Topic> t = topics.find(topic);
            Map<Destination, List<ProduceGroup>> parts = new LinkedHashMap<>();
            for (ProduceGroup g : groups) {
                ProduceGroup resolved = g;
                Destination d = Destination.LOCAL;
                if (!forwarded && t.isPresent() && g.partition() >= -1) {
                    try {
                        int p = t.get().choosePartition(null, g.partition());
                        resolved = new ProduceGroup(g.index(), p, g.records(), g.recordCount());
                        d = destination(topic, p);
                    } catch (RequestException e) {
                        // unknown partition: the local handler reports it for this group
                    }
                }
                parts.computeIfAbsent(d, k -> new ArrayList<>()).add(resolved);
            }
            String[] answers = new String[n];
            int[] partitions = new int[n];
            long[] bases = new long[n];
            long[] counts = new long[n];
            for (Map.Entry<Destination, List<ProduceGroup>> part : parts.entrySet()) {
                List<ProduceGroup> gs = part.getValue();
                PayloadWriter request = new PayloadWriter().str16(topic).u8(acks).u32(gs.size());
                for (ProduceGroup g : gs) {
                    byte[] records = g.records().toPayload();
                    request.i32(g.partition()).u32(g.recordCount()).raw(records, 0, records.length);
                }
                byte[] answer;
                try {
                    answer = call(part.getKey(), ExtensionOpcodes.BATCH_PRODUCE, request, local, session);
                } catch (LeaderForwarder.Unreachable | ClusterBusyException e) {
                    // only these groups failed: the other parts may already be written, so the answer is per group
                    for (ProduceGroup g : gs) {
                        partitions[g.index()] = g.partition();
                        bases[g.index()] = -1;
                        counts[g.index()] = g.recordCount();
                        answers[g.index()] = e instanceof ClusterBusyException ? e.getMessage()
                                : notLeader(part.getKey(), topic, g.partition(), e.getMessage());
                    }
                    continue;
                }
                PayloadReader r = new PayloadReader(answer);
                r.str16("topic");
                int m = r.count("groups", 18);
                if (m != gs.size()) {
                    throw new RequestException("BATCH_PRODUCE to " + topic + ": node " + part.getKey().leaderId()
                            + " answered " + m + " groups for " + gs.size());
                }
                for (ProduceGroup g : gs) {
                    partitions[g.index()] = r.i32("partition");
                    bases[g.index()] = r.u64("base_offset");
                    counts[g.index()] = r.u32("record_count");
                    answers[g.index()] = r.str16("error");
                }
            }
            out.str16(topic).u32(n);
            for (int g = 0; g < n; g++) {
                out.i32(partitions[g]).u64(bases[g]).u32(counts[g]).str16(answers[g]);
            }
        };
    }

    // ------------------------------------------------------------------ BATCH_FETCH

    private record Position(int index, int partition, long offset) {
    }

    private record FetchedPartition(int partition, String error, long start, long end, long count, byte[] records) {
    }

    RequestHandler batchFetch(RequestHandler local) {
        return (session, in, out) -> {
            String topic = in.str16("topic");
            long maxBytes = in.u32("max_bytes");
            int n = in.count("partitions", 12);
            List<Position> positions = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                positions.add(new Position(i, in.i32("partition"), in.i64("offset")));
            }
            boolean forwarded = in.remaining() >= 1 && in.u8("forwarded") == FORWARDED;
            Map<Destination, List<Position>> parts = new LinkedHashMap<>();
            for (Position p : positions) {
                Destination d = forwarded ? Destination.LOCAL : destination(topic, p.partition());
                parts.computeIfAbsent(d, k -> new ArrayList<>()).add(p);
            }
            FetchedPartition[] fetched = new FetchedPartition[n];
            for (Map.Entry<Destination, List<Position>> part : parts.entrySet()) {
                List<Position> ps = part.getValue();
                PayloadWriter request = new PayloadWriter().str16(topic).u32(maxBytes).u32(ps.size());
                for (Position p : ps) {
                    request.i32(p.partition()).i64(p.offset());
                }
                byte[] answer;
                try {
                    answer = call(part.getKey(), ExtensionOpcodes.BATCH_FETCH, request, local, session);
                } catch (LeaderForwarder.Unreachable | ClusterBusyException e) {
                    for (Position p : ps) {
                        String error = e instanceof ClusterBusyException ? e.getMessage()
                                : notLeader(part.getKey(), topic, p.partition(), e.getMessage());
                        fetched[p.index()] = new FetchedPartition(p.partition(), error, 0, 0, 0, new byte[0]);
                    }
                    continue;
                }
                PayloadReader r = new PayloadReader(answer);
                r.str16("topic");
                int m = r.count("partitions", 30);
                if (m != ps.size()) {
                    throw new RequestException("BATCH_FETCH of " + topic + ": node " + part.getKey().leaderId()
                            + " answered " + m + " partitions for " + ps.size());
                }
                FetchedPartition[] headers = new FetchedPartition[m];
                for (int i = 0; i < m; i++) {
                    headers[i] = new FetchedPartition(r.i32("partition"), r.str16("error"), r.i64("start_offset"),
                            r.i64("end_offset"), r.u32("record_count"), null);
                    long len = r.u32("byte_length");
                    headers[i] = new FetchedPartition(headers[i].partition(), headers[i].error(), headers[i].start(),
                            headers[i].end(), headers[i].count(), new byte[(int) len]);
                }
                int pos = answer.length - r.remaining();
                for (int i = 0; i < m; i++) {
                    byte[] tail = headers[i].records();
                    if (tail.length > answer.length - pos) {
                        throw new RequestException("BATCH_FETCH of " + topic + ": answer of node "
                                + part.getKey().leaderId() + " announces more record bytes than it carries");
                    }
                    System.arraycopy(answer, pos, tail, 0, tail.length);
                    pos += tail.length;
                    fetched[ps.get(i).index()] = headers[i];
                }
            }
            // Parts were each kept under the frame limit; together they may not be: later partitions then return
            // no records this time (no error, their position does not move), as the single node does.
            long left = FrameCodec.MAX_PAYLOAD - 1024L - n * 64L;
            out.str16(topic).u32(n);
            for (int i = 0; i < n; i++) {
                FetchedPartition f = fetched[i];
                boolean fits = f.records().length <= left;
                if (fits) {
                    left -= f.records().length;
                } else {
                    fetched[i] = f = new FetchedPartition(f.partition(), f.error(), f.start(), f.end(), 0, new byte[0]);
                }
                out.i32(f.partition()).str16(f.error()).u64(f.start()).u64(f.end()).u32(f.count())
                        .u32(f.records().length);
            }
            for (FetchedPartition f : fetched) {
                out.raw(f.records(), 0, f.records().length);
            }
        };
    }

    // ------------------------------------------------------------------ shared

    private byte[] call(Destination d, int opcode, PayloadWriter request, RequestHandler local, Session session) {
        if (d.local()) {
            PayloadWriter answer = new PayloadWriter();
            local.handle(session, new PayloadReader(request.toPayload()), answer);
            return answer.toPayload();
        }
        if (d.leaderAddr().isEmpty()) {
            throw new LeaderForwarder.Unreachable("its client address is not known yet");
        }
        request.u8(FORWARDED);
        return forwarder.call(d.leaderId(), d.leaderAddr(), opcode, request);
    }

    private static String notLeader(Destination d, String topic, int partition, String why) {
        return "not leader: leader_id=" + d.leaderId() + " leader_addr=" + d.leaderAddr() + " (topic " + topic
                + " partition " + partition + ": " + why + ")";
    }
}
