package flymq.broker.txn;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Header;
import flymq.storage.Record;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The transactions of one partition as a replica learns them from the partition's replicated log, in a cluster: every
 * replica applies the same records at the same offsets, so every replica derives the same open transactions and
 * aborted ranges and publishes them to its {@link TransactionIndex}, where its read-committed readers look. No message
 * from the coordinator is needed: its transactional records, and its commit and abort markers, are the protocol.
 * <ul>
 *   <li>a record of a transaction that is neither open nor aborted here opens it at its offset; this happens before
 *       the record is appended to the log, so a reader that sees the record also sees the transaction open (read
 *       the log end first, then the view, as {@link TransactionIndex#view} says);</li>
 *   <li>a commit marker ends the transaction here (its records become readable); an abort marker hides its records
 *       from its first offset here (0 when this replica never saw it open) up to the marker;</li>
 *   <li>a record of a transaction already aborted here (a deposed coordinator's late append) joins the aborted
 *       range instead of opening it again.</li>
 * </ul>
 * A restarted replica holds read-committed readers back at the point its replay has reached until the replay has
 * caught up with its log ({@link #appliedTo}), since the records beyond it are in the log before their transactions
 * are known again.
 *
 * <p>Touched by the partition group's Raft thread only (apply and snapshots), which is why it needs no lock of its own.
 *
 * <p><b>Snapshot section</b> (the partition snapshot's second chunk, written only when there is something to keep):
 * {@code i32 open · open × (i64 txn_id · i64 first_offset) · i32 aborted · aborted × (i64 txn_id · i64 first_offset ·
 * i64 marker_offset)}. It keeps what the compacted entries taught, so a replica restarted or caught up from a snapshot
 * still holds back an open transaction's records and still hides an aborted one's.
 */
public final class ReplicaTransactions {
    private final PartitionTransactions published;
    private final Map<Long, Long> open = new HashMap<>();
    private final Map<Long, long[]> aborted = new HashMap<>();
    /** The partition log's end when this replica started: until its Raft log is applied that far, readers wait. */
    private final long replayEnd;
    private boolean replaying;

    /**
     * @param logEnd the partition log's end offset now: a restarted replica's log already holds records whose
     *               transactions it learns only when it replays their Raft entries, so read-committed readers are
     *               held back at the replay's position until it reaches {@code logEnd}
     */
    public ReplicaTransactions(TransactionIndex index, String topic, int partition, long logEnd) {
        this.published = index.partition(topic, partition);
        this.replayEnd = logEnd;
        this.replaying = logEnd > 0;
        published.replace(Map.of(), Map.of()); // a group started again (or a topic re-created) starts from its log
        if (replaying) {
            published.holdFrom(0);
        }
    }

    /** The replica has applied everything below {@code nextOffset}: readers may go that far (see constructor). */
    public void appliedTo(long nextOffset) {
        if (!replaying) {
            return;
        }
        if (nextOffset >= replayEnd) {
            replaying = false;
            published.holdFrom(Long.MAX_VALUE);
        } else {
            published.holdFrom(nextOffset);
        }
    }

    /** Before the batch is appended at {@code base}: the transactions its records open. */
    public void beforeAppend(List<Record> batch, long base) {
        for (int i = 0; i < batch.size(); i++) {
            Record r = batch.get(i);
            long id = txnId(r);
            if (id < 0 || isMarker(r)) {
                continue;
            }
            long offset = base + i;
            long[] range = aborted.get(id);
            if (range != null) {
                range[1] = Math.max(range[1], offset);
                published.aborted(id, range[0], range[1]);
            } else if (!open.containsKey(id)) {
                open.put(id, offset);
                published.open(id, offset);
            }
        }
    }

    /** After the batch was appended at {@code base}: the transactions its markers end. */
    public void afterAppend(List<Record> batch, long base) {
        for (int i = 0; i < batch.size(); i++) {
            Record r = batch.get(i);
            int outcome = markerOutcome(r);
            if (outcome < 0) {
                continue;
            }
            long id = txnId(r);
            if (id < 0) {
                continue;
            }
            long offset = base + i;
            Long first = open.remove(id);
            if (outcome == StoredRecordLayout.MARKER_COMMIT) {
                published.committed(id);
            } else {
                long[] range = aborted.merge(id, new long[] {first == null ? 0 : first, offset},
                        (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                published.aborted(id, range[0], range[1]);
            }
        }
    }

    /** Forgets aborted ranges whose marker lies below {@code startOffset} (deleted by retention). */
    public void prune(long startOffset) {
        if (aborted.values().removeIf(range -> range[1] < startOffset)) {
            published.prune(startOffset);
        }
    }

    /** Whether a snapshot needs the section. */
    public boolean isEmpty() {
        return open.isEmpty() && aborted.isEmpty();
    }

    public void write(DataOutputStream out) throws IOException {
        Map<Long, Long> o = new TreeMap<>(open);
        out.writeInt(o.size());
        for (Map.Entry<Long, Long> e : o.entrySet()) {
            out.writeLong(e.getKey());
            out.writeLong(e.getValue());
        }
        Map<Long, long[]> a = new TreeMap<>(aborted);
        out.writeInt(a.size());
        for (Map.Entry<Long, long[]> e : a.entrySet()) {
            out.writeLong(e.getKey());
            out.writeLong(e.getValue()[0]);
            out.writeLong(e.getValue()[1]);
        }
    }

    /** Replaces the state with a snapshot's section ({@code in} null: a snapshot without one, nothing open). */
    public void read(DataInputStream in) throws IOException {
        Map<Long, Long> o = new HashMap<>();
        Map<Long, long[]> a = new HashMap<>();
        if (in != null) {
            for (int n = count(in), i = 0; i < n; i++) {
                o.put(in.readLong(), in.readLong());
            }
            for (int n = count(in), i = 0; i < n; i++) {
                a.put(in.readLong(), new long[] {in.readLong(), in.readLong()});
            }
        }
        open.clear();
        open.putAll(o);
        aborted.clear();
        aborted.putAll(a);
        published.replace(open, aborted);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || (long) n * 16 > in.available()) {
            throw new IOException("transaction count " + n + " impossible with " + in.available() + " bytes left");
        }
        return n;
    }

    private static long txnId(Record r) {
        List<Header> headers = r.headers();
        for (int i = 0, n = headers.size(); i < n; i++) {
            Header h = headers.get(i);
            if (h.key().equals(StoredRecordLayout.TXN_HEADER) && h.value().length == 8) {
                return ByteBuffer.wrap(h.value()).getLong();
            }
        }
        return -1;
    }

    private static boolean isMarker(Record r) {
        return markerOutcome(r) >= 0;
    }

    /** The marker's outcome byte, or -1 when the record is not a marker. */
    private static int markerOutcome(Record r) {
        for (Header h : r.headers()) {
            if (h.key().equals(StoredRecordLayout.TXN_MARKER_HEADER) && h.value().length == 1) {
                return h.value()[0];
            }
        }
        return -1;
    }
}
