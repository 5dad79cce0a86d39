package flymq.broker.produce;

import flymq.broker.BrokerListener;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.observe.RequestTracing;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.storage.Header;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageException;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_PRODUCE 0xC0 (extension; layout in {@link ExtensionOpcodes}). The whole request is decoded before anything
 * is appended, so a malformed request appends nothing. Each group is then appended with one storage write through
 * the broker's {@link ProduceAcknowledger} (the same acknowledgement seam as 1.26 PRODUCE), and its outcome, base
 * offset or error text, is reported per group.
 *
 * <p>The request's acks, not {@code performance.acks}, go to the acknowledger, which alone decides what each mode
 * waits for.
 */
public final class BatchProduceHandler implements RequestHandler {
    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final ProduceAcknowledger acknowledger;
    private final BrokerListener listener;
    private final RequestTracing tracing;

    /**
     * With spans: one {@code flymq.produce} per record group, whose parent is the {@code traceparent} header of the
     * group's first record that has one; other distinct traceparents of the group become links.
     */
    public BatchProduceHandler(TopicManager topics, PartitionLeadership leadership, ProduceAcknowledger acknowledger,
                               BrokerListener listener, RequestTracing tracing) {
        this.topics = topics;
        this.leadership = leadership;
        this.acknowledger = acknowledger;
        this.listener = listener;
        this.tracing = tracing;
    }

    private record Group(int partition, List<Record> records, long bytes) {
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        long start = System.nanoTime();
        String topicName = in.str16("topic");
        Acks acks;
        try {
            acks = Acks.fromCode(in.u8("acks"));
        } catch (IllegalArgumentException e) {
            throw new RequestException("BATCH_PRODUCE to " + topicName + ": " + e.getMessage());
        }
        int groupCount = in.count("groups", 8);
        if (groupCount == 0) {
            throw new RequestException("BATCH_PRODUCE to " + topicName + ": no record groups");
        }
        long now = System.currentTimeMillis();
        List<Group> groups = new ArrayList<>(groupCount);
        for (int g = 0; g < groupCount; g++) {
            int partition = in.i32("partition");
            if (partition < -1) {
                throw new RequestException("BATCH_PRODUCE to " + topicName + ": invalid partition " + partition
                        + " in group " + g + " (use -1 or a partition number from 0)");
            }
            // smallest record: timestamp 8, key length 4, value length 4, header count 2
            int n = in.count("records", 18);
            if (n == 0) {
                throw new RequestException("BATCH_PRODUCE to " + topicName + ": group " + g + " (partition "
                        + partition + ") has no records");
            }
            List<Record> records = new ArrayList<>(n);
            long bytes = 0;
            for (int i = 0; i < n; i++) {
                long timestamp = in.i64("timestamp");
                byte[] key = in.bytes32("key");
                byte[] value = in.bytes32("value");
                int headerCount = in.u16("header_count");
                List<Header> headers = headerCount == 0 ? List.of() : new ArrayList<>(headerCount);
                for (int h = 0; h < headerCount; h++) {
                    headers.add(new Header(in.str16("header name"), in.bytes32("header value")));
                }
                records.add(new Record(timestamp > 0 ? timestamp : now, key.length == 0 ? null : key, value, headers));
                bytes += key.length + value.length;
            }
            groups.add(new Group(partition, records, bytes));
        }
        Topic topic = topics.forProduce(topicName);
        // the request's acks, not performance.acks, go to the acknowledger
        RequestTracing.Append withAcks = (t, p, l, b) -> acknowledger.appendAndAcknowledge(t, p, l, b, acks);
        out.str16(topicName).u32(groupCount);
        for (Group g : groups) {
            int partition = g.partition();
            TraceSpan span = TraceSpan.NOOP;
            try {
                try {
                    partition = topic.choosePartition(null, g.partition());
                } finally {
                    // also when the partition is refused: that failure is then on the span
                    span = startProduceSpan(topicName, partition, g);
                }
                leadership.requireLocalLeader(topicName, partition);
                PartitionLog log = topic.log(partition);
                long base = tracing.append(span, withAcks, topicName, partition, log, g.records(), g.bytes());
                span.offset(base);
                out.i32(partition).u64(base).u32(g.records().size()).str16("");
                listener.produced(topicName, partition, g.records().size(), g.bytes(), System.nanoTime() - start);
            } catch (RequestException | StorageException | IllegalArgumentException e) {
                span.fail(e);
                out.i32(partition).u64(-1).u32(g.records().size()).str16(String.valueOf(e.getMessage()));
            } finally {
                span.end();
            }
        }
    }

    private TraceSpan startProduceSpan(String topic, int partition, Group g) {
        if (!tracing.enabled()) {
            return TraceSpan.NOOP;
        }
        String parent = null;
        java.util.Set<String> others = null;
        for (Record r : g.records()) {
            String tp = RequestTracing.traceparent(r.headers());
            if (tp == null) {
                continue;
            }
            if (parent == null) {
                parent = tp;
            } else if (!tp.equals(parent)) {
                others = others == null ? new java.util.LinkedHashSet<>() : others;
                others.add(tp);
            }
        }
        TraceSpan span = tracing.start(TraceOp.PRODUCE, topic, partition, parent).messageSize(g.bytes());
        if (others != null && span.recording()) {
            others.stream().limit(32).forEach(span::linkTo);
        }
        return span;
    }
}
