package flymq.broker.produce;

import flymq.broker.BrokerListener;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.observe.RequestTracing;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.schema.SchemaValidation;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.broker.txn.TransactionRequests;
import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import flymq.protocol.record.RecordFactory;
import flymq.storage.Header;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageException;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_PRODUCE 0xC0 (extension): a {@link BatchProduceRequest} answered with a {@link BatchProduceResponse}. The whole
 * request is decoded and checked before anything is appended, so a malformed request appends nothing; its records are
 * decoded straight into storage's {@link Record}s. Each group is then appended with one storage write through the
 * broker's {@link ProduceAcknowledger} (the same acknowledgement seam as 1.26 PRODUCE), and its outcome, base offset or
 * error text, is reported per group.
 *
 * <p>The request's acks, not {@code performance.acks}, go to the acknowledger, which alone decides what each mode
 * waits for. A request with the idempotence trailer passes each group's producer id and first sequence on
 * ({@link ProducerBatch}): the acknowledger appends a group it has appended before only once.
 */
public final class BatchProduceHandler implements RequestHandler {
    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final ProduceAcknowledger acknowledger;
    private final BrokerListener listener;
    private final RequestTracing tracing;
    private final RecordExpiry expiry;
    private final SchemaValidation schemas;

    /**
     * Records get {@code ttl.default_ttl} ({@link RecordExpiry}) counted from the request's arrival. With spans: one
     * {@code flymq.produce} per record group, whose parent is the {@code traceparent} header of the
     * group's first record that has one; other distinct traceparents of the group become links. On a topic with a
     * schema ({@code schemas}) every record's value is checked before its group is appended; in strict mode a group
     * with a record that breaks it is refused whole (as Kafka refuses a batch), its error naming the record.
     */
    public BatchProduceHandler(TopicManager topics, PartitionLeadership leadership, ProduceAcknowledger acknowledger,
                               BrokerListener listener, RequestTracing tracing, RecordExpiry expiry,
                               SchemaValidation schemas) {
        this.topics = topics;
        this.expiry = expiry;
        this.leadership = leadership;
        this.acknowledger = acknowledger;
        this.listener = listener;
        this.tracing = tracing;
        this.schemas = schemas;
    }

    private record Group(int partition, List<Record> records, long bytes, String refusal, ProducerBatch producer) {
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        long start = System.nanoTime();
        BatchProduceRequest request = BatchProduceRequest.read(in);
        String topicName = request.topic();
        Acks acks = request.acks();
        if (request.groups().isEmpty()) {
            throw new RequestException("BATCH_PRODUCE to " + topicName + ": no record groups");
        }
        for (int g = 0; g < request.groups().size(); g++) {
            BatchProduceRequest.Group group = request.groups().get(g);
            if (group.partition() < -1) {
                throw new RequestException("BATCH_PRODUCE to " + topicName + ": invalid partition "
                        + group.partition() + " in group " + g + " (use -1 or a partition number from 0)");
            }
            if (group.recordCount() == 0) {
                throw new RequestException("BATCH_PRODUCE to " + topicName + ": group " + g + " (partition "
                        + group.partition() + ") has no records");
            }
        }
        Topic topic = topics.forProduce(topicName);
        long now = expiry.nowMs();
        long expiresAt = expiry.defaultExpiresAt(topic, now);
        RecordFactory<Record, Header> records = new RecordFactory<>() {
            @Override
            public Header header(String name, byte[] value) {
                return new Header(name, value);
            }

            @Override
            public Record record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
                for (int i = 0; i < headers.size(); i++) {
                    Header h = headers.get(i);
                    if (h.key().equals(BatchProduceRequest.TTL_HEADER)) {
                        long ttl = h.value().length == 8 ? ByteBuffer.wrap(h.value()).getLong() : -1;
                        if (ttl <= 0) {
                            throw new RequestException("BATCH_PRODUCE to " + topicName + ": header "
                                    + BatchProduceRequest.TTL_HEADER + " must hold 8 bytes of milliseconds > 0");
                        }
                        List<Header> rest = new ArrayList<>(headers);
                        rest.remove(i);
                        return new Record(timestamp > 0 ? timestamp : now, key, value, List.copyOf(rest),
                                RecordExpiry.expiresAt(now, ttl));
                    }
                }
                return new Record(timestamp > 0 ? timestamp : now, key, value, headers, expiresAt);
            }
        };
        List<Group> groups = new ArrayList<>(request.groups().size());
        SchemaRegistry.Bound schema = schemas.enforced(topicName);
        for (BatchProduceRequest.Group g : request.groups()) {
            List<Record> decoded = g.records(records);
            String reserved = TransactionRequests.reservedHeader(decoded);
            if (reserved != null) {
                throw new RequestException("BATCH_PRODUCE to " + topicName + ": header '" + reserved
                        + "' is reserved for the broker's transaction records (use BATCH_PRODUCE_TX)");
            }
            long bytes = 0;
            String refusal = null;
            for (int i = 0; i < decoded.size(); i++) {
                Record r = decoded.get(i);
                bytes += (r.key() == null ? 0 : r.key().length) + r.value().length;
                if (schema != null && refusal == null) {
                    String why = schemas.refusal(topicName, schema, r.key(), r.value());
                    if (why != null) {
                        refusal = "record " + i + " of the group: " + why;
                    }
                }
            }
            ProducerBatch producer = request.idempotent()
                    ? new ProducerBatch(request.producerId(), g.firstSequence()) : ProducerBatch.NONE;
            groups.add(new Group(g.partition(), decoded, bytes, refusal, producer));
        }
        List<BatchProduceResponse.GroupResult> results = new ArrayList<>(groups.size());
        for (Group g : groups) {
            // the request's acks, not performance.acks, go to the acknowledger, with the group's producer identity
            RequestTracing.Append withAcks = (t, p, l, b) -> acknowledger.appendAndAcknowledge(t, p, l, b, acks,
                    g.producer());
            int partition = g.partition();
            TraceSpan span = TraceSpan.NOOP;
            try {
                try {
                    partition = topic.choosePartition(null, g.partition());
                } finally {
                    // also when the partition is refused: that failure is then on the span
                    span = startProduceSpan(topicName, partition, g);
                }
                if (g.refusal() != null) {
                    throw new RequestException(g.refusal());
                }
                leadership.requireLocalLeader(topicName, partition);
                PartitionLog log = topic.log(partition);
                long base = tracing.append(span, withAcks, topicName, partition, log, g.records(), g.bytes());
                span.offset(base);
                results.add(BatchProduceResponse.GroupResult.appended(partition, base, g.records().size()));
                listener.produced(topicName, partition, g.records().size(), g.bytes(), System.nanoTime() - start);
            } catch (RequestException | StorageException | IllegalArgumentException e) {
                span.fail(e);
                results.add(BatchProduceResponse.GroupResult.failed(partition, g.records().size(),
                        String.valueOf(e.getMessage())));
            } finally {
                span.end();
            }
        }
        new BatchProduceResponse(topicName, results).write(out);
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
