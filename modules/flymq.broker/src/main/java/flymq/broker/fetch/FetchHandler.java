package flymq.broker.fetch;

import flymq.broker.BrokerListener;
import flymq.broker.group.SubscribedGroup;
import flymq.broker.observe.RequestTracing;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.FetchResponse;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.storage.StoredRecord;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.util.List;

/**
 * FETCH 0x07 and FETCH_BINARY 0x0B (wire spec 4.6): a {@link FetchRequest} (a missing or overrunning filter is no
 * filter) answered with a {@link FetchResponse}, written record by record as the log is read.
 *
 * <p>Stops at the end of the log, after {@code max_messages} matches ({@code <= 0} means 10), after 1000 records
 * examined, or before the response would exceed 32 MiB (upstream had no byte cap). Expired records (TTL) are never
 * returned; they are skipped without counting as examined (up to {@value #EXPIRED_SKIP_CAP} per request), because the
 * Java SDK's consumer ignores {@code next_offset} when a FETCH returns nothing and would otherwise stay behind a run of
 * more than 1000 expired records forever. {@code next_offset} is the first
 * offset not examined. Deliberate difference: an offset below the first retained one starts at the first retained
 * record instead of returning nothing forever.
 */
public final class FetchHandler implements RequestHandler {
    public static final int SCAN_CAP = 1000;
    public static final int DEFAULT_MAX = 10;
    public static final int EXPIRED_SKIP_CAP = 100_000;
    private static final int READ_CHUNK_BYTES = 1 << 20;

    private final TopicManager topics;
    private final BrokerListener listener;
    private final RequestTracing tracing;
    private final RecordExpiry expiry;

    /**
     * With a {@code flymq.fetch} span per request, a {@code flymq.storage.read} child per log read, and links to the
     * creation contexts of the records returned. Metrics and spans carry the connection's subscribed group.
     */
    public FetchHandler(TopicManager topics, BrokerListener listener, RequestTracing tracing, RecordExpiry expiry) {
        this.topics = topics;
        this.expiry = expiry;
        this.listener = listener;
        this.tracing = tracing;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        long start = System.nanoTime();
        FetchRequest request = FetchRequest.read(in);
        String topic = request.topic();
        int partition = request.partition();
        long offset = request.offset();
        int max = request.maxMessages();
        String filterText = request.filter();
        if (max <= 0) {
            max = DEFAULT_MAX;
        }
        String group = SubscribedGroup.of(session, topic);
        TraceSpan span = tracing.start(TraceOp.FETCH, topic, partition, null).group(group).offset(offset);
        try {
            serve(topic, partition, offset, max, filterText, group, span, start, out);
        } catch (RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private void serve(String topic, int partition, long offset, int max, String filterText,
                       String group, TraceSpan span, long start, PayloadWriter out) {
        PartitionLog log = topics.topic(topic).log(partition);
        RecordFilter filter = RecordFilter.compile(filterText);

        FetchResponse.Writer response = FetchResponse.begin(out);
        long position = offset;
        if (Long.compareUnsigned(position, log.startOffset()) < 0) {
            position = log.startOffset();
        }
        long now = expiry.nowMs();
        int count = 0;
        int examined = 0;
        int expired = 0;
        long bytes = 0;
        boolean full = false;
        while (!full && count < max && examined < SCAN_CAP && position >= 0 && position < log.endOffset()) {
            int want = filter.matchesAll() ? Math.min(max - count, SCAN_CAP - examined) : SCAN_CAP - examined;
            if (expired > 0) {
                want = Math.max(want, SCAN_CAP); // in a run of expired records: read on in bigger steps
            }
            List<StoredRecord> batch;
            TraceSpan read = tracing.read(span, topic, partition, position);
            try {
                batch = log.read(position, want, READ_CHUNK_BYTES);
            } catch (OffsetOutOfRangeException e) {
                if (position < e.startOffset()) {
                    position = e.startOffset();
                    continue;
                }
                break;
            } finally {
                read.end();
            }
            if (batch.isEmpty()) {
                break;
            }
            RequestTracing.linkProducers(span, batch);
            for (StoredRecord r : batch) {
                if (r.expiredAt(now) && expired < EXPIRED_SKIP_CAP) {
                    expired++;
                    position = r.offset() + 1;
                    continue;
                }
                examined++;
                if (r.expiredAt(now)) {
                    position = r.offset() + 1; // past the skip cap: counts as examined, still never returned
                    if (examined >= SCAN_CAP) {
                        break;
                    }
                    continue;
                }
                byte[] key = r.key() == null ? EMPTY : r.key();
                if (filter.matches(key, r.value())) {
                    if (!response.add(r.offset(), key, r.value())) {
                        full = true;
                        break;
                    }
                    count++;
                    bytes += key.length + r.value().length;
                }
                position = r.offset() + 1;
                if (count >= max || examined >= SCAN_CAP) {
                    break;
                }
            }
        }
        expiry.skipped(expired);
        response.finish(position);
        span.messageSize(bytes);
        if (count > 0) {
            listener.consumed(topic, partition, group, count, bytes, System.nanoTime() - start);
        }
    }

    private static final byte[] EMPTY = new byte[0];
}
