package flymq.broker.produce;

import flymq.broker.BrokerListener;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.observe.RequestTracing;
import flymq.broker.schema.SchemaValidation;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.protocol.Acks;
import flymq.protocol.FrameCodec;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.ProduceRequest;
import flymq.protocol.message.ProduceResponse;
import flymq.protocol.message.TimedProduceRequest;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.util.List;

/**
 * PRODUCE 0x01 (wire spec 4.1): a {@link ProduceRequest} ({@code -1} or no partition = the broker chooses) answered
 * with a {@link ProduceResponse}, "RecordMetadata".
 *
 * <p>Unlike upstream, an explicit partition is honoured and validated. The record's timestamp is the broker's
 * wall clock, stored with the record (SEEK_TO_TIMESTAMP uses it) and echoed in the response.
 */
public final class ProduceHandler implements RequestHandler {
    /** Largest key + value that still fits in one FETCH response frame with its framing. */
    public static final int MAX_RECORD_BYTES = FrameCodec.MAX_PAYLOAD - 64;

    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final ProduceAcknowledger acknowledger;
    private final Acks acks;
    private final BrokerListener listener;
    private final RequestTracing tracing;
    private final RecordExpiry expiry;
    private final SchemaValidation schemas;

    /**
     * With spans: {@code flymq.produce} (a new trace: 1.26 records carry no headers) and its append child. The
     * request has no acks field: every record is acknowledged with {@code acks} ({@code performance.acks}). A record
     * expires after {@code ttl.default_ttl} unless PRODUCE_WITH_TTL ({@link #handleWithTtl}) gives its own time. A
     * record that breaks its topic's schema is refused before anything else happens ({@code schemas}, strict mode).
     */
    public ProduceHandler(TopicManager topics, PartitionLeadership leadership, ProduceAcknowledger acknowledger,
                          Acks acks, BrokerListener listener, RequestTracing tracing, RecordExpiry expiry,
                          SchemaValidation schemas) {
        this.topics = topics;
        this.expiry = expiry;
        this.leadership = leadership;
        this.acknowledger = acknowledger;
        this.acks = acks;
        this.listener = listener;
        this.tracing = tracing;
        this.schemas = schemas;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        ProduceRequest request = ProduceRequest.read(in);
        produce(request.topic(), request.key(), request.value(), request.partition(), 0, out);
    }

    /**
     * PRODUCE_WITH_TTL 0x35 (wire spec 11): a {@link TimedProduceRequest} whose {@code millis} is the record's time to
     * live (> 0), answered like PRODUCE. The record expires at the broker's clock on arrival plus that time; the
     * expiry is stored with it, so it holds across restarts and on every replica.
     */
    public void handleWithTtl(Session session, PayloadReader in, PayloadWriter out) {
        TimedProduceRequest request = TimedProduceRequest.read(in);
        if (request.millis() <= 0) {
            throw new RequestException("invalid ttl_ms " + request.millis() + " for topic " + request.topic()
                    + ": expected > 0 (a record without a time to live is a plain PRODUCE)");
        }
        produce(request.topic(), request.key(), request.value(), request.partition(),
                request.millis(), out);
    }

    /**
     * Refuses a record whose key and value together exceed {@link #MAX_RECORD_BYTES} (every produce path); returns
     * their size.
     */
    public static long checkRecordSize(byte[] key, byte[] value) {
        long bytes = (long) key.length + value.length;
        if (bytes > MAX_RECORD_BYTES) {
            throw new RequestException("record of " + bytes + " bytes (key + value) exceeds the maximum of "
                    + MAX_RECORD_BYTES);
        }
        return bytes;
    }

    /** @param ttlMs the record's own time to live, 0 for the default */
    private void produce(String topicName, byte[] key, byte[] value, int requested, long ttlMs,
                         PayloadWriter out) {
        long start = System.nanoTime();
        if (requested < -1) {
            throw new RequestException("invalid partition " + requested + " for topic " + topicName
                    + ": use -1 to let the broker choose, or a partition number from 0");
        }
        long bytes = checkRecordSize(key, value);
        schemas.check(topicName, key, value);
        Topic topic = topics.forProduce(topicName);
        int partition = topic.choosePartition(key, requested);
        TraceSpan span = tracing.start(TraceOp.PRODUCE, topicName, partition, null).messageSize(bytes);
        long offset;
        long timestamp = expiry.nowMs();
        long expiresAt = ttlMs > 0 ? RecordExpiry.expiresAt(timestamp, ttlMs) : expiry.defaultExpiresAt(topic, timestamp);
        try {
            leadership.requireLocalLeader(topicName, partition);
            PartitionLog log = topic.log(partition);
            Record record = new Record(timestamp, key.length == 0 ? null : key, value, List.of(), expiresAt);
            offset = tracing.append(span, (t, p, l, b) -> acknowledger.appendAndAcknowledge(t, p, l, b, acks),
                    topicName, partition, log, List.of(record), bytes);
            span.offset(offset);
        } catch (RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.end();
        }
        new ProduceResponse(topicName, partition, offset, timestamp, key.length == 0 ? -1 : key.length, value.length)
                .write(out);
        listener.produced(topicName, partition, 1, bytes, System.nanoTime() - start);
    }
}
