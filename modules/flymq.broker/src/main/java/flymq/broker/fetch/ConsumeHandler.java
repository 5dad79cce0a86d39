package flymq.broker.fetch;

import flymq.broker.BrokerListener;
import flymq.broker.group.SubscribedGroup;
import flymq.broker.observe.RequestTracing;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.broker.txn.PartitionView;
import flymq.broker.txn.TransactionIndex;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.ConsumeRequest;
import flymq.protocol.message.ConsumeResponse;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.storage.StoredRecord;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.time.InstantSource;
import java.util.List;

/**
 * CONSUME 0x02 and CONSUME_ZERO_COPY 0x0A (wire spec 4.2, 11): a {@link ConsumeRequest} answered with the
 * {@link ConsumeResponse} of the record at that offset. An offset outside the
 * retained log, or holding an expired record (TTL), is an ERROR starting with {@code EOF} (upstream's text)
 * followed by the facts. 0x0A answers exactly
 * like 0x02 (upstream's large-value envelope is not reproduced).
 *
 * <p>Read-committed (docs/transactions.md): an offset at or beyond the partition's last stable offset is answered
 * like one beyond the end, and one holding a transaction marker or a record of an aborted transaction gets an ERROR
 * saying so (CONSUME names one offset and its answer cannot say where the next message is).
 */
public final class ConsumeHandler implements RequestHandler {
    private final TopicManager topics;
    private final TransactionIndex transactions;
    private final BrokerListener listener;
    private final RequestTracing tracing;
    private final RecordExpiry expiry;

    /** On the system clock, with no default time to live. */
    public ConsumeHandler(TopicManager topics, TransactionIndex transactions, BrokerListener listener,
                 RequestTracing tracing) {
        this(topics, transactions, listener, tracing, new RecordExpiry(InstantSource.system(), 0));
    }

    /**
     * With a {@code flymq.consume} span per request, its {@code flymq.storage.read} child, and a link to the creation
     * context of the record returned. Metrics and spans carry the connection's subscribed group.
     */
    public ConsumeHandler(TopicManager topics, TransactionIndex transactions, BrokerListener listener,
                          RequestTracing tracing, RecordExpiry expiry) {
        this.topics = topics;
        this.transactions = transactions;
        this.expiry = expiry;
        this.listener = listener;
        this.tracing = tracing;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        long start = System.nanoTime();
        ConsumeRequest request = ConsumeRequest.read(in);
        String topic = request.topic();
        int partition = request.partition();
        long offset = request.offset();
        String group = SubscribedGroup.of(session, topic);
        TraceSpan span = tracing.start(TraceOp.CONSUME, topic, partition, null).group(group).offset(offset);
        try {
            serve(topic, partition, offset, group, span, start, out);
        } catch (RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private void serve(String topic, int partition, long offset, String group, TraceSpan span, long start,
                       PayloadWriter out) {
        PartitionLog log = topics.topic(topic).log(partition);
        List<StoredRecord> records = List.of();
        long end = log.endOffset(); // before the view: see TransactionIndex.view
        PartitionView view = transactions.view(topic, partition);
        if (offset >= 0 && offset < end && offset >= view.bound(end)) {
            throw new RequestException("EOF: offset " + offset + " in " + topic + "-" + partition
                    + " is not stable yet: a transaction open since offset " + view.lastStableOffset()
                    + " has not committed or aborted");
        }
        if (offset >= 0 && offset < end) {
            TraceSpan read = tracing.read(span, topic, partition, offset);
            try {
                records = log.read(offset, 1, 1);
            } catch (OffsetOutOfRangeException e) {
                records = List.of();
            } finally {
                read.end();
            }
        }
        if (records.isEmpty() || records.get(0).offset() != offset) {
            throw new RequestException("EOF: no record at offset " + Long.toUnsignedString(offset) + " in " + topic
                    + "-" + partition + " (retained offsets " + log.startOffset() + ".." + (log.endOffset() - 1)
                    + ")");
        }
        StoredRecord r = records.get(0);
        if (view.hidden(r, true)) {
            throw new RequestException("EOF: offset " + offset + " in " + topic + "-" + partition + " holds "
                    + (PartitionView.isMarker(r) ? "a transaction marker" : "a record of an aborted transaction") + ", not a message");
        }
        if (r.expiredAt(expiry.nowMs())) {
            expiry.skipped(1);
            throw new RequestException("EOF: the record at offset " + offset + " in " + topic + "-" + partition
                    + " expired at " + java.time.Instant.ofEpochMilli(r.expiresAt()) + " (its time to live ran out)");
        }
        new ConsumeResponse(r.key(), r.value()).write(out);
        long bytes = (r.key() == null ? 0 : r.key().length) + r.value().length;
        span.messageSize(bytes);
        RequestTracing.linkProducers(span, records);
        listener.consumed(topic, partition, group, 1, bytes, System.nanoTime() - start);
    }
}
