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
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.FetchResponse;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.storage.StoredRecord;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.time.InstantSource;
import java.util.List;

/**
 * FETCH 0x07 and FETCH_BINARY 0x0B (wire spec 4.6): a {@link FetchRequest} (a missing or overrunning filter is no
 * filter) answered with a {@link FetchResponse}, written record by record as the log is read.
 *
 * <p>Stops at the end of the log, after {@code max_messages} matches ({@code <= 0} means 10), after 1000 records
 * examined, or before the response would exceed 32 MiB (upstream had no byte cap). Expired records (TTL) are never
 * returned; like the hidden transaction records below they are skipped without counting as examined. {@code
 * next_offset} is the first
 * offset not examined. Deliberate difference: an offset below the first retained one starts at the first retained
 * record instead of returning nothing forever.
 *
 * <p>Transactions (docs/transactions.md): FETCH is read-committed. It stops at the partition's last stable offset
 * and skips transaction markers and records of aborted transactions; those skipped records (and expired ones) do not
 * count against the
 * 1000-record scan cap (up to {@link #HIDDEN_SCAN_CAP} more), because both SDKs keep their position when a fetch
 * returns no record and would otherwise ask for the same window forever.
 */
public final class FetchHandler implements RequestHandler {
    public static final int SCAN_CAP = 1000;
    public static final int DEFAULT_MAX = 10;
    /** Hidden records (markers, aborted, expired) a FETCH may skip besides the {@link #SCAN_CAP} it examines. */
    public static final int HIDDEN_SCAN_CAP = 100_000;
    private static final int READ_CHUNK_BYTES = 1 << 20;

    private final TopicManager topics;
    private final TransactionIndex transactions;
    private final BrokerListener listener;
    private final RequestTracing tracing;
    private final RecordExpiry expiry;

    /** On the system clock, with no default time to live. */
    public FetchHandler(TopicManager topics, TransactionIndex transactions, BrokerListener listener,
                 RequestTracing tracing) {
        this(topics, transactions, listener, tracing, new RecordExpiry(InstantSource.system(), 0));
    }

    /**
     * With a {@code flymq.fetch} span per request, a {@code flymq.storage.read} child per log read, and links to the
     * creation contexts of the records returned. Metrics and spans carry the connection's subscribed group.
     */
    public FetchHandler(TopicManager topics, TransactionIndex transactions, BrokerListener listener,
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
        long end = log.endOffset(); // before the view: see TransactionIndex.view
        PartitionView view = transactions.view(topic, partition);
        long bound = view.bound(end);
        long position = offset;
        if (Long.compareUnsigned(position, log.startOffset()) < 0) {
            position = log.startOffset();
        }
        long now = expiry.nowMs();
        int count = 0;
        int examined = 0;
        int hidden = 0;
        int expired = 0;
        long bytes = 0;
        boolean full = false;
        while (!full && count < max && examined < SCAN_CAP && hidden < HIDDEN_SCAN_CAP && position >= 0
                && position < bound) {
            // once hidden records showed up, read in larger chunks: they do not count against max
            int want = filter.matchesAll() && hidden == 0 ? Math.min(max - count, SCAN_CAP - examined)
                    : SCAN_CAP - examined;
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
                if (r.offset() >= bound) {
                    full = true;
                    break;
                }
                boolean expiredNow = r.expiredAt(now);
                if (expiredNow || view.hidden(r, true)) {
                    hidden++;
                    if (expiredNow) {
                        expired++;
                    }
                    position = r.offset() + 1;
                    if (hidden >= HIDDEN_SCAN_CAP) {
                        break;
                    }
                    continue;
                }
                examined++;
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
