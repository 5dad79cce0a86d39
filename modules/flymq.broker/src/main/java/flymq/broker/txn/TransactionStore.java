package flymq.broker.txn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's durable state, a {@link TransactionStateLog}: on a single broker
 * {@code data_dir/transactions/state.log}, a storage {@link flymq.storage.OffsetStore} (a CRC-checked log of puts and
 * removes of string keys with int64 values); in a cluster the same keys replicated by the metadata Raft group
 * (docs/transactions.md, "In a cluster"). The keys:
 * <pre>
 *   next-id                                   first transaction id not yet handed out (ids are reserved in blocks)
 *   part/ID/PARTITION/TOPIC                   transaction ID writes to TOPIC-PARTITION; value: an offset at or
 *                                             before its first record there (written before that record)
 *   offset/ID/PARTITION/N/GROUPTOPIC          a consumer group offset ID commits: the group (the first N chars)
 *                                             then the topic; value: the offset, stored for the group on commit
 *   commit/ID                                 the decision to commit ID (written before its commit markers)
 *   aborted/ID/PARTITION/MARKER/TOPIC         ID aborted in TOPIC-PARTITION, its abort marker at offset MARKER;
 *                                             value: an offset at or before its first record there
 *   done/ID                                   ID ended; value 1: committed, 0: aborted. The last
 *                                             {@value #REMEMBERED_OUTCOMES} are kept, so a COMMIT_TX or ABORT_TX
 *                                             retried after a restart or a coordinator failover gets its answer
 * </pre>
 * A transaction with {@code part/} or {@code offset/} keys and no {@code commit/} key is open, or was open when the
 * broker stopped: recovery aborts it. Commit and abort each end with one {@link TransactionStateLog#apply} whose every prefix is safe to
 * recover from ({@link #committed}, {@link #aborted}). Whether writes are fsynced follows the partition logs: with
 * {@code performance.sync_interval_ms = 0} every write is; otherwise they are in the OS page cache when a request is
 * answered, like the records themselves, and survive a killed process.
 */
final class TransactionStore implements AutoCloseable {
    /** Ids reserved per write of {@code next-id}. */
    static final long ID_BLOCK = 1_000;

    private static final String NEXT_ID = "next-id";
    private static final String PART = "part/";
    private static final String COMMIT = "commit/";
    private static final String OFFSET = "offset/";
    private static final String ABORTED = "aborted/";
    private static final String DONE = "done/";
    /** Outcomes kept in the state for retried COMMIT_TX/ABORT_TX (ids, oldest first, in {@link #done}). */
    static final int REMEMBERED_OUTCOMES = 10_000;

    private final TransactionStateLog store;
    private long nextId;
    private long reservedUpTo;
    private final java.util.TreeSet<Long> done = new java.util.TreeSet<>();

    TransactionStore(TransactionStateLog store) {
        this.store = store;
        this.nextId = store.get(NEXT_ID).orElse(1);
        this.reservedUpTo = nextId;
        this.firstId = nextId;
    }

    /** The first id this store hands out: lower ids were handed out before the last restart or failover. */
    final long firstId;

    /** The oldest outcome still remembered, or -1 when none is. */
    long oldestOutcome() {
        synchronized (done) {
            return done.isEmpty() ? -1 : done.first();
        }
    }

    /** Whether an outcome was ever dropped by {@link #forgetOutcomes} (in this run). */
    volatile boolean forgotSome;

    /** A partition a transaction writes to, for recovery. */
    record Part(long txnId, String topic, int partition, long firstOffset) {
    }

    /** An aborted transaction's range in one partition. */
    record AbortedRange(long txnId, String topic, int partition, long firstOffset, long markerOffset) {
    }

    /** A group offset a transaction commits. */
    record PendingOffset(long txnId, String topic, String group, int partition, long offset) {
    }

    /** A transaction found in the file after a restart. */
    record Found(List<Part> parts, List<PendingOffset> offsets) {
    }

    /** What the file says after a restart; {@code outcomes}: id to committed (true) or aborted (false). */
    record Recovered(Map<Long, Found> open, Map<Long, Found> committing, List<AbortedRange> aborted,
                     Map<Long, Boolean> outcomes) {
    }

    synchronized long nextId() {
        if (nextId >= reservedUpTo) {
            reservedUpTo = nextId + ID_BLOCK;
            store.put(NEXT_ID, reservedUpTo);
        }
        return nextId++;
    }

    Recovered recover() {
        Map<Long, Found> found = new LinkedHashMap<>();
        java.util.Set<Long> commits = new java.util.HashSet<>();
        List<AbortedRange> aborted = new ArrayList<>();
        Map<Long, Boolean> outcomes = new java.util.TreeMap<>();
        for (Map.Entry<String, Long> e : new java.util.TreeMap<>(store.snapshot()).entrySet()) {
            String key = e.getKey();
            if (key.startsWith(DONE)) {
                long id = Long.parseLong(key.substring(DONE.length()));
                outcomes.put(id, e.getValue() == 1);
                synchronized (done) {
                    done.add(id);
                }
            } else if (key.startsWith(PART)) {
                String[] f = key.substring(PART.length()).split("/", 3);
                Part p = new Part(Long.parseLong(f[0]), f[2], Integer.parseInt(f[1]), e.getValue());
                found.computeIfAbsent(p.txnId(), id -> new Found(new ArrayList<>(), new ArrayList<>())).parts().add(p);
            } else if (key.startsWith(OFFSET)) {
                String[] f = key.substring(OFFSET.length()).split("/", 4);
                int groupLength = Integer.parseInt(f[2]);
                PendingOffset o = new PendingOffset(Long.parseLong(f[0]), f[3].substring(groupLength),
                        f[3].substring(0, groupLength), Integer.parseInt(f[1]), e.getValue());
                found.computeIfAbsent(o.txnId(), id -> new Found(new ArrayList<>(), new ArrayList<>())).offsets()
                        .add(o);
            } else if (key.startsWith(COMMIT)) {
                commits.add(Long.parseLong(key.substring(COMMIT.length())));
            } else if (key.startsWith(ABORTED)) {
                String[] f = key.substring(ABORTED.length()).split("/", 4);
                aborted.add(new AbortedRange(Long.parseLong(f[0]), f[3], Integer.parseInt(f[1]), e.getValue(),
                        Long.parseLong(f[2])));
            }
        }
        Map<Long, Found> open = new LinkedHashMap<>();
        Map<Long, Found> committing = new LinkedHashMap<>();
        found.forEach((id, f) -> (commits.contains(id) ? committing : open).put(id, f));
        // a commit decision whose other keys were all removed already is complete; drop the leftover key
        for (long id : commits) {
            if (!found.containsKey(id)) {
                store.remove(COMMIT + id);
            }
        }
        return new Recovered(open, committing, aborted, outcomes);
    }

    /** A group offset the transaction commits, before it is acknowledged. */
    void addOffset(PendingOffset o) {
        store.put(offsetKey(o), o.offset());
    }

    /** Before the transaction's first record in a partition. */
    void addPartition(long txnId, String topic, int partition, long firstOffset) {
        store.put(partKey(txnId, topic, partition), firstOffset);
    }

    /** The commit point: from here on recovery completes the commit instead of aborting. */
    void decideCommit(long txnId) {
        store.put(COMMIT + txnId, 1);
    }

    /**
     * After the commit markers and the group offsets: the part and offset keys go first, the decision last (a torn
     * write keeps the decision, and recovery completes the rest again).
     */
    void committed(long txnId, List<Part> parts, List<PendingOffset> offsets) {
        List<String> removes = new ArrayList<>(parts.size() + offsets.size() + 1);
        for (Part p : parts) {
            removes.add(partKey(txnId, p.topic(), p.partition()));
        }
        for (PendingOffset o : offsets) {
            removes.add(offsetKey(o));
        }
        removes.add(COMMIT + txnId);
        store.apply(Map.of(DONE + txnId, 1L), removes);
        synchronized (done) {
            done.add(txnId);
        }
    }

    /** After the abort markers: the aborted ranges are written before the part and offset keys go. */
    void aborted(long txnId, List<AbortedRange> ranges, List<PendingOffset> offsets) {
        Map<String, Long> puts = new LinkedHashMap<>();
        List<String> removes = new ArrayList<>(ranges.size() + offsets.size());
        for (AbortedRange r : ranges) {
            puts.put(abortedKey(r), r.firstOffset());
            removes.add(partKey(txnId, r.topic(), r.partition()));
        }
        for (PendingOffset o : offsets) {
            removes.add(offsetKey(o));
        }
        puts.put(DONE + txnId, 0L);
        store.apply(puts, removes);
        synchronized (done) {
            done.add(txnId);
        }
    }

    /** Drops the oldest outcomes beyond {@link #REMEMBERED_OUTCOMES} (run by the timeout check). */
    void forgetOutcomes() {
        List<String> removes = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        synchronized (done) {
            for (java.util.Iterator<Long> it = done.iterator(); done.size() - ids.size() > REMEMBERED_OUTCOMES; ) {
                long id = it.next();
                ids.add(id);
                removes.add(DONE + id);
            }
        }
        if (removes.isEmpty()) {
            return;
        }
        store.apply(Map.of(), removes);
        forgotSome = true;
        synchronized (done) {
            ids.forEach(done::remove);
        }
    }

    /** Aborted ranges retention has deleted, or whose topic is gone. */
    void forget(List<AbortedRange> ranges) {
        List<String> removes = new ArrayList<>(ranges.size());
        for (AbortedRange r : ranges) {
            removes.add(abortedKey(r));
        }
        store.apply(Map.of(), removes);
    }

    private static String partKey(long txnId, String topic, int partition) {
        return PART + txnId + "/" + partition + "/" + topic;
    }

    private static String offsetKey(PendingOffset o) {
        return OFFSET + o.txnId() + "/" + o.partition() + "/" + o.group().length() + "/" + o.group() + o.topic();
    }

    private static String abortedKey(AbortedRange r) {
        return ABORTED + r.txnId() + "/" + r.partition() + "/" + r.markerOffset() + "/" + r.topic();
    }

    @Override
    public void close() {
        store.close();
    }
}
