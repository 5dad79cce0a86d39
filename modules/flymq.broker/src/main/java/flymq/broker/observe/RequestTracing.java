package flymq.broker.observe;

import flymq.storage.Header;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import flymq.telemetry.FlyMqTracing;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The spans of the broker's request handlers, in one place: {@code flymq.produce} with its append child, and the
 * W3C trace context that records carry in a {@code traceparent} header.
 *
 * <p>The append child is {@code flymq.storage.append} on a single node (the produce path appends to the local log)
 * and {@code flymq.raft.append_entries} in a cluster (the produce path proposes the batch to the partition's Raft
 * group and waits for a majority commit; the log append happens inside that, on the group's Raft thread).
 * Storage stays unaware of tracing: the broker wraps its own calls into the log.
 *
 * <p>Consumer-side spans ({@code flymq.fetch}, {@code flymq.consume}) get a link to each distinct creation context
 * found in the records they return (the span named by the record's {@code traceparent}, which is also the parent
 * of that record's {@code flymq.produce}), at most {@value #MAX_LINKS} per span. Header scanning happens only for a
 * span that records, so tracing off or unsampled costs nothing per record.
 */
public final class RequestTracing {
    public static final String TRACEPARENT = "traceparent";
    /** Links per consumer span; a fetch of many records from many traces links the first ones. */
    static final int MAX_LINKS = 32;

    /** No spans (tests and callers that bring only a listener). */
    public static final RequestTracing OFF = new RequestTracing(FlyMqTracing.disabled(), false);

    private final FlyMqTracing tracing;
    private final TraceOp appendOp;

    /** @param replicated true in a cluster: the append child is {@code flymq.raft.append_entries} */
    public RequestTracing(FlyMqTracing tracing, boolean replicated) {
        this.tracing = tracing;
        this.appendOp = replicated ? TraceOp.RAFT_APPEND_ENTRIES : TraceOp.STORAGE_APPEND;
    }

    public boolean enabled() {
        return tracing.enabled();
    }

    /** Begins an operation's span; {@code traceparent} (or null) becomes its parent. */
    public TraceSpan start(TraceOp op, String topic, int partition, String traceparent) {
        return tracing.start(op, topic, partition, traceparent);
    }

    /**
     * The traced call into the log: appends {@code batch} and returns its base offset once the produce path may
     * answer (on a single node after the local append, in a cluster after the partition group commits it).
     */
    @FunctionalInterface
    public interface Append {
        long append(String topic, int partition, PartitionLog log, List<Record> batch);
    }

    /**
     * Runs {@code append} inside a child span of {@code parent} ({@code flymq.storage.append} or
     * {@code flymq.raft.append_entries}) carrying the base offset and the batch's size.
     */
    public long append(TraceSpan parent, Append append, String topic, int partition,
                       PartitionLog log, List<Record> batch, long bytes) {
        TraceSpan span = parent.child(appendOp, topic, partition);
        try {
            long base = append.append(topic, partition, log, batch);
            span.offset(base).messageSize(bytes);
            return base;
        } catch (RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** A {@code flymq.storage.read} child of {@code parent} for a read from {@code offset}; end it after the read. */
    public TraceSpan read(TraceSpan parent, String topic, int partition, long offset) {
        return parent.child(TraceOp.STORAGE_READ, topic, partition).offset(offset);
    }

    /** The first {@code traceparent} header, as text, or null. */
    public static String traceparent(List<Header> headers) {
        for (Header h : headers) {
            if (h.key().equals(TRACEPARENT)) {
                return new String(h.value(), StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** Links {@code span} to the creation context of each record that carries one (when the span records). */
    public static void linkProducers(TraceSpan span, List<StoredRecord> records) {
        if (!span.recording()) {
            return;
        }
        Set<String> linked = new HashSet<>();
        for (StoredRecord r : records) {
            String tp = traceparent(r.headers());
            if (tp != null && linked.size() < MAX_LINKS && linked.add(tp)) {
                span.linkTo(tp);
            }
        }
    }

    /**
     * Links {@code span} to the creation contexts found in stored record bytes (a BATCH_FETCH answer's tail,
     * layout {@code flymq.protocol.record.StoredRecordLayout}): walks the records' header sections only, no CRC
     * check, and stops quietly at anything that does not parse (the bytes are the log's own, already checked when
     * written).
     */
    public static void linkProducers(TraceSpan span, byte[] buf, int from, int to) {
        if (!span.recording()) {
            return;
        }
        Set<String> linked = new HashSet<>();
        for (String tp : StoredTraceparents.scan(buf, from, to)) {
            if (linked.size() >= MAX_LINKS) {
                break;
            }
            if (linked.add(tp)) {
                span.linkTo(tp);
            }
        }
    }
}
