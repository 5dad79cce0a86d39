package flymq.broker.txn;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Header;
import flymq.storage.StoredRecord;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * What a reader of one partition must know about its transactions, as of one moment (immutable; a new view is
 * published on every change): the last stable offset and the aborted transactions whose records are still retained.
 *
 * <p>The <b>last stable offset</b> (LSO, Kafka's term) is the first offset of the oldest transaction still open in
 * the partition; read-committed readers get nothing at or beyond it, so they never see a record whose fate is not
 * decided, and they see committed records in offset order. With no open transaction it is unbounded (the log end
 * bounds the read). A transaction ends by commit, abort or timeout, so a reader never waits behind one forever.
 *
 * <p>A record is <b>hidden</b> from a read-committed reader when it is a control record (a transaction marker: hidden
 * from every reader) or carries the id of an aborted transaction within that transaction's range here (first offset
 * to marker). Transaction ids are never reused, so the id decides; the range only limits the lookup.
 */
public final class PartitionView {
    /** A partition that has never seen a transaction (since this broker started). */
    public static final PartitionView NONE = new PartitionView(Long.MAX_VALUE, Map.of());
    /** A cluster replica's partition whose transactions are not known yet: nothing is stable. */
    static final PartitionView HELD = new PartitionView(0, Map.of());

    private final long lastStableOffset;
    /** Aborted transaction id -> {first offset, marker offset}. */
    private final Map<Long, long[]> aborted;

    PartitionView(long lastStableOffset, Map<Long, long[]> aborted) {
        this.lastStableOffset = lastStableOffset;
        this.aborted = aborted;
    }

    /** The first offset of the oldest open transaction, or {@link Long#MAX_VALUE} when none is open. */
    public long lastStableOffset() {
        return lastStableOffset;
    }

    /**
     * The exclusive upper bound of a read-committed read, given the log end read <em>before</em> this view was taken
     * (a record appended after that may belong to a transaction this view does not know yet).
     */
    public long bound(long logEndOffset) {
        return Math.min(logEndOffset, lastStableOffset);
    }

    /** Whether some aborted transaction's range here overlaps offsets {@code [from, to)}. */
    public boolean abortedWithin(long from, long to) {
        if (aborted.isEmpty()) {
            return false;
        }
        for (long[] range : aborted.values()) {
            if (range[0] < to && range[1] >= from) {
                return true;
            }
        }
        return false;
    }

    /** Whether a record of transaction {@code txnId} at {@code offset} belongs to an aborted transaction. */
    public boolean aborted(long txnId, long offset) {
        long[] range = aborted.get(txnId);
        return range != null && offset >= range[0] && offset <= range[1];
    }

    /** Ids of the aborted transactions retained here (for tests and pruning). */
    public java.util.Set<Long> abortedIds() {
        return aborted.keySet();
    }

    /**
     * Whether a reader at this isolation skips the record: control records always, records of aborted transactions
     * when {@code readCommitted}.
     */
    public boolean hidden(StoredRecord r, boolean readCommitted) {
        List<Header> headers = r.headers();
        if (headers.isEmpty()) {
            return false;
        }
        long txnId = -1;
        for (int i = 0, n = headers.size(); i < n; i++) {
            Header h = headers.get(i);
            if (h.key().startsWith(StoredRecordLayout.TXN_HEADER_PREFIX)) {
                if (h.key().equals(StoredRecordLayout.TXN_MARKER_HEADER)) {
                    return true;
                }
                if (h.key().equals(StoredRecordLayout.TXN_HEADER) && h.value().length == 8) {
                    txnId = ByteBuffer.wrap(h.value()).getLong();
                }
            }
        }
        return readCommitted && txnId >= 0 && aborted(txnId, r.offset());
    }

    /** Whether the record is a transaction marker (a control record). */
    public static boolean isMarker(StoredRecord r) {
        for (Header h : r.headers()) {
            if (h.key().equals(StoredRecordLayout.TXN_MARKER_HEADER)) {
                return true;
            }
        }
        return false;
    }

    /** As {@link #hidden(StoredRecord, boolean)} for read-committed, on a stored record's bytes. */
    public boolean hidden(ByteBuffer buf, int start) {
        int attributes = StoredRecordLayout.attributesAt(buf, start);
        if ((attributes & StoredRecordLayout.CONTROL) != 0) {
            return true;
        }
        return (attributes & StoredRecordLayout.TRANSACTIONAL) != 0
                && aborted(StoredRecordLayout.txnIdAt(buf, start), StoredRecordLayout.offsetAt(buf, start));
    }
}
