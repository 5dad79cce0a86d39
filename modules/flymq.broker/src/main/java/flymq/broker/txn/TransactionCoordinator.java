package flymq.broker.txn;

import flymq.broker.BrokerListener;
import flymq.broker.observe.RequestTracing;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.protocol.Acks;
import flymq.protocol.RequestException;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Header;
import flymq.storage.OffsetStore;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The transaction coordinator of a single broker: begins transactions, appends their records, commits and aborts
 * them, aborts those that outlive {@code transaction.timeout}, and recovers them after a restart. The design
 * (docs/transactions.md) follows Kafka's:
 * <ul>
 *   <li>A transaction's records are appended to the partition logs at once, with the attribute bit
 *       {@code TRANSACTIONAL} and their transaction id ({@link StoredRecordLayout}), so that a commit writes no
 *       record twice. Before its first record in a partition the transaction is registered there (durably, in
 *       {@link TransactionStore}, and in the partition's {@link PartitionView}, which holds back read-committed
 *       readers at the transaction's first offset: the last stable offset).</li>
 *   <li>Commit: the decision is stored (the commit point), a commit marker (a control record) is appended to every
 *       partition the transaction wrote to, the partitions stop holding readers back, the state is cleared.</li>
 *   <li>Abort (requested, timed out, or found open by recovery): an abort marker in every partition, the aborted
 *       range stored, the partitions' views hide its records from read-committed readers from then on.</li>
 * </ul>
 * Each transaction has its own lock, so requests of one transaction are applied in order and a commit never races an
 * append or a timeout; different transactions proceed in parallel and appends go through the same acknowledgement
 * seam as any produce.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TransactionCoordinator.class.getName());
    /** The id prefix on the wire: BEGIN_TX answers {@code txn-<n>}. */
    public static final String ID_PREFIX = "txn-";
    /** Open transactions a broker holds at most: each holds readers back and memory until it ends. */
    public static final int MAX_OPEN = 100_000;
    /** Finished transactions remembered for a retried COMMIT_TX/ABORT_TX or a late PRODUCE_TX. */
    private static final int REMEMBERED_OUTCOMES = 10_000;

    /** Where a committed transaction's consumer group offsets go (the broker's group coordinator). */
    public interface GroupOffsets {
        /** Refuses an offset COMMIT would refuse (beyond the partition's end), naming the request. */
        void check(String request, String topic, String group, int partition, long offset);

        /** Stores the offset, as COMMIT does. */
        void commit(String topic, String group, int partition, long offset);
    }

    /** How records reach a partition log (the broker's acknowledgement seam). */
    @FunctionalInterface
    public interface Appender {
        long append(String topic, int partition, PartitionLog log, List<Record> batch, Acks acks);
    }

    /** Where the transaction ended. */
    public enum Outcome {
        COMMITTED("committed"), ABORTED("aborted"), TIMED_OUT("timed_out");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        /** The metric label. */
        public String label() {
            return label;
        }
    }

    private final TransactionStore store;
    private final TopicManager topics;
    private final Appender appender;
    private final GroupOffsets groups;
    private final TransactionIndex index;
    private final long timeoutMs;
    private final LongSupplier clockMs;
    private final BrokerListener listener;
    private final RequestTracing tracing;
    private final ConcurrentHashMap<Long, Transaction> active = new ConcurrentHashMap<>();
    private final Map<Long, Outcome> finished = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Outcome> eldest) {
            return size() > REMEMBERED_OUTCOMES;
        }
    };
    private final List<TransactionStore.AbortedRange> retainedAborts = new ArrayList<>();

    private TransactionCoordinator(TransactionStore store, TopicManager topics, Appender appender,
                                   GroupOffsets groups, TransactionIndex index, long timeoutMs, LongSupplier clockMs,
                                   BrokerListener listener, RequestTracing tracing) {
        this.store = store;
        this.topics = topics;
        this.appender = appender;
        this.groups = groups;
        this.index = index;
        this.timeoutMs = timeoutMs;
        this.clockMs = clockMs;
        this.listener = listener;
        this.tracing = tracing;
    }

    /**
     * Opens the state file and recovers: transactions that were committing are completed, those that were open are
     * aborted (markers appended), aborted ranges still retained are loaded into the index.
     *
     * @param syncEveryWrite fsync each state write (when the partition logs fsync every append)
     */
    public static TransactionCoordinator open(Path stateFile, boolean syncEveryWrite, TopicManager topics,
                                              Appender appender, GroupOffsets groups, TransactionIndex index,
                                              long timeoutMs, LongSupplier clockMs, BrokerListener listener,
                                              RequestTracing tracing) {
        return open(TransactionStateLog.local(OffsetStore.open(stateFile, syncEveryWrite)), topics, appender, groups,
                index, timeoutMs, clockMs, listener, tracing);
    }

    /**
     * A coordinator over {@code state} (in a cluster: the metadata group's replicated copy, read by the node that
     * has just become the coordinator), recovered as after a restart: decided commits are completed, open
     * transactions aborted.
     */
    public static TransactionCoordinator open(TransactionStateLog state, TopicManager topics, Appender appender,
                                              GroupOffsets groups, TransactionIndex index, long timeoutMs,
                                              LongSupplier clockMs, BrokerListener listener, RequestTracing tracing) {
        TransactionStore store = new TransactionStore(state);
        TransactionCoordinator c = new TransactionCoordinator(store, topics, appender, groups, index, timeoutMs,
                clockMs, listener, tracing);
        try {
            c.recover();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return c;
    }

    private void recover() {
        TransactionStore.Recovered r = store.recover();
        r.outcomes().forEach((id, committed) -> remember(id, committed ? Outcome.COMMITTED : Outcome.ABORTED));
        for (TransactionStore.AbortedRange a : r.aborted()) {
            index.partition(a.topic(), a.partition()).aborted(a.txnId(), a.firstOffset(), a.markerOffset());
            retainedAborts.add(a);
        }
        // A marker that cannot be written yet (in a cluster: a partition's leader is being elected) leaves the
        // transaction active with a start time of 0, so the next timeout check retries it at once.
        r.committing().forEach((id, found) -> {
            Transaction t = new Transaction(id, 0, TraceSpan.NOOP);
            found.parts().forEach(p -> t.parts.put(new TransactionIndex.Key(p.topic(), p.partition()), p));
            t.offsets.addAll(found.offsets());
            t.decided = true;
            t.recovered = true;
            try {
                completeCommit(t, Acks.LEADER);
                remember(id, Outcome.COMMITTED);
            } catch (RuntimeException e) {
                active.put(id, t);
                LOG.log(System.Logger.Level.WARNING, "transaction " + ID_PREFIX + id + ": completing its decided "
                        + "commit failed, retried: " + e.getMessage());
            }
        });
        r.open().forEach((id, found) -> {
            Transaction t = new Transaction(id, 0, TraceSpan.NOOP);
            t.recovered = true;
            t.offsets.addAll(found.offsets());
            for (TransactionStore.Part p : found.parts()) {
                t.parts.put(new TransactionIndex.Key(p.topic(), p.partition()), p);
                index.partition(p.topic(), p.partition()).open(id, p.firstOffset());
            }
            try {
                abortLocked(t);
                remember(id, Outcome.ABORTED);
            } catch (RuntimeException e) {
                active.put(id, t);
                LOG.log(System.Logger.Level.WARNING, "transaction " + ID_PREFIX + id + ": aborting it after recovery "
                        + "failed, retried: " + e.getMessage());
            }
        });
        if (!r.open().isEmpty() || !r.committing().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "transactions recovered: " + r.open().size()
                    + " open at the last stop aborted " + r.open().keySet() + ", " + r.committing().size()
                    + " commits completed " + r.committing().keySet());
        }
    }

    /** BEGIN_TX: a new open transaction; its id on the wire. */
    public String begin() {
        if (active.size() >= MAX_OPEN) {
            throw new RequestException("too many open transactions (" + MAX_OPEN + "): commit or abort some, or "
                    + "let transaction.timeout (" + timeoutMs + " ms) abort them");
        }
        long id = store.nextId();
        TraceSpan span = tracing.start(TraceOp.TRANSACTION, "", -1, null);
        active.put(id, new Transaction(id, clockMs.getAsLong(), span));
        listener.transactionBegun();
        return ID_PREFIX + id;
    }

    /** Where a transactional append landed. */
    public record Appended(int partition, long baseOffset) {
    }

    /**
     * Appends {@code records} (stamped with the transaction) to one partition of {@code topicName}, chosen as a
     * produce would ({@code -1}: by the broker).
     *
     * @throws RequestException when the transaction is unknown or no longer open, or the partition is refused
     */
    public Appended append(String txnId, String topicName, int requestedPartition, byte[] key,
                           List<Record> records, Acks acks) {
        Transaction t = open(txnId);
        t.lock.lock();
        try {
            requireOpen(t);
            Topic topic = topics.forProduce(topicName);
            int partition = topic.choosePartition(key, requestedPartition);
            PartitionLog log = topic.log(partition);
            TransactionIndex.Key k = new TransactionIndex.Key(topicName, partition);
            boolean first = !t.parts.containsKey(k);
            PartitionTransactions pt = index.partition(topicName, partition);
            if (first) {
                long from = log.endOffset();
                store.addPartition(t.id, topicName, partition, from);
                pt.open(t.id, from);
                t.parts.put(k, new TransactionStore.Part(t.id, topicName, partition, from));
            }
            List<Record> stamped = new ArrayList<>(records.size());
            Header idHeader = new Header(StoredRecordLayout.TXN_HEADER, idBytes(t.id));
            for (Record r : records) {
                List<Header> headers = new ArrayList<>(r.headers().size() + 1);
                headers.addAll(r.headers());
                headers.add(idHeader);
                stamped.add(new Record(r.timestamp(), r.key(), r.value(), headers));
            }
            long base = appender.append(topicName, partition, log, stamped, acks);
            if (first) {
                pt.firstAppended(t.id, base);
                t.parts.put(k, new TransactionStore.Part(t.id, topicName, partition, base));
            }
            t.records += records.size();
            return new Appended(partition, base);
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Runs {@code appends} (a BATCH_PRODUCE_TX's) once per {@code sequence} of the transaction: the next sequence is
     * run and its answer kept, a repeat of the last one gets that answer again without running anything (a retry
     * after a lost answer), any other is refused. A negative sequence is not deduplicated. Sequences live as long as
     * the transaction; a restart aborts it, so they need no durable state.
     *
     * @throws RequestException when the transaction is not open or the sequence is out of order
     */
    public <T> T idempotent(String txnId, long sequence, java.util.function.Supplier<T> appends) {
        if (sequence < 0) {
            return appends.get();
        }
        Transaction t = open(txnId);
        t.lock.lock();
        try {
            requireOpen(t);
            if (sequence == t.lastSequence && t.lastAnswer != null) {
                @SuppressWarnings("unchecked")
                T again = (T) t.lastAnswer;
                return again;
            }
            if (sequence != t.lastSequence + 1) {
                throw new RequestException("transaction " + txnId + ": batch sequence " + sequence + " out of order, "
                        + "expected " + (t.lastSequence + 1) + (t.lastSequence >= 0 ? " (or " + t.lastSequence
                        + " to repeat the last one)" : ""));
            }
            T answer = appends.get();
            t.lastSequence = sequence;
            t.lastAnswer = answer;
            return answer;
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * TXN_COMMIT_OFFSET: the group's offset is committed when, and only if, the transaction commits.
     *
     * @throws RequestException when the transaction is not open or COMMIT would refuse the offset
     */
    public void commitOffset(String txnId, String topic, String group, int partition, long offset) {
        Transaction t = open(txnId);
        t.lock.lock();
        try {
            requireOpen(t);
            groups.check("TXN_COMMIT_OFFSET", topic, group, partition, offset);
            TransactionStore.PendingOffset o = new TransactionStore.PendingOffset(t.id, topic, group, partition,
                    offset);
            store.addOffset(o);
            t.offsets.removeIf(p -> p.topic().equals(topic) && p.group().equals(group) && p.partition() == partition);
            t.offsets.add(o);
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * COMMIT_TX. Committing a committed transaction again succeeds (a retried request).
     *
     * @param acks {@code all}: the transaction's partitions are fsynced before the commit point
     * @throws RequestException when the transaction is unknown or was aborted (also by its timeout)
     */
    public void commit(String txnId, Acks acks) {
        long id = parse(txnId);
        Transaction t = active.get(id);
        if (t == null) {
            Outcome o = outcome(id);
            if (o == Outcome.COMMITTED) {
                return;
            }
            throw notOpen(txnId, o);
        }
        t.lock.lock();
        try {
            if (t.ended != null) {
                if (t.ended == Outcome.COMMITTED) {
                    return;
                }
                throw notOpen(txnId, t.ended);
            }
            if (t.recovered && !t.decided) {
                throw notOpen(txnId, Outcome.ABORTED); // open at the coordinator's restart or failover
            }
            if (acks == Acks.ALL) {
                for (TransactionStore.Part p : t.parts.values()) {
                    logOf(p).ifPresent(PartitionLog::flush);
                }
            }
            if (!t.parts.isEmpty() || !t.offsets.isEmpty()) {
                if (!t.decided) {
                    store.decideCommit(t.id);
                    t.decided = true;
                }
                completeCommit(t, acks);
            }
            end(t, Outcome.COMMITTED);
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * After the commit point: markers, group offsets, state cleared. When it fails midway (a partition's leader is
     * being elected) the transaction stays decided and open; a retried COMMIT_TX, the timeout check or the next
     * coordinator completes it (writing a marker twice is harmless: readers hide markers, and the second one of a
     * transaction changes nothing).
     */
    private void completeCommit(Transaction t, Acks acks) {
        writeMarkers(t, StoredRecordLayout.MARKER_COMMIT, acks);
        for (TransactionIndex.Key k : t.parts.keySet()) {
            index.partition(k.topic(), k.partition()).committed(t.id);
        }
        commitOffsets(t);
        store.committed(t.id, List.copyOf(t.parts.values()), t.offsets);
    }

    /**
     * ABORT_TX. Aborting an aborted (or timed-out) transaction again succeeds.
     *
     * @throws RequestException when the transaction is unknown or already committed
     */
    public void abort(String txnId) {
        long id = parse(txnId);
        Transaction t = active.get(id);
        if (t == null) {
            Outcome o = outcome(id);
            if (o == Outcome.ABORTED || o == Outcome.TIMED_OUT) {
                return;
            }
            throw notOpen(txnId, o);
        }
        t.lock.lock();
        try {
            if (t.ended != null) {
                if (t.ended != Outcome.COMMITTED) {
                    return;
                }
                throw notOpen(txnId, t.ended);
            }
            if (t.decided) {
                throw new RequestException("transaction " + txnId + " cannot be aborted: its commit was decided and "
                        + "is being completed (retry COMMIT_TX)");
            }
            abortLocked(t);
            end(t, Outcome.ABORTED);
        } finally {
            t.lock.unlock();
        }
    }

    /** Aborts every transaction open longer than the timeout; returns how many. Run by the housekeeping thread. */
    public int expire() {
        long now = clockMs.getAsLong();
        int n = 0;
        for (Transaction t : active.values()) {
            if (!t.recovered && now - t.startMs < timeoutMs) {
                continue;
            }
            t.lock.lock();
            try {
                if (t.ended == null && t.decided) {
                    completeCommit(t, Acks.LEADER); // a commit that failed midway: finished, never aborted
                    end(t, Outcome.COMMITTED);
                } else if (t.ended == null) {
                    abortLocked(t);
                    end(t, Outcome.TIMED_OUT);
                    n++;
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "transaction " + ID_PREFIX + t.id + " could not be "
                        + (t.decided ? "completed" : "aborted") + " yet (retried): " + e.getMessage());
            } finally {
                t.lock.unlock();
            }
        }
        pruneAborted();
        store.forgetOutcomes();
        return n;
    }

    /** Transactions open now. */
    public int openCount() {
        return active.size();
    }

    public long timeoutMs() {
        return timeoutMs;
    }

    /** Forgets aborted ranges that retention deleted (or whose topic is gone), here and in the state file. */
    private void pruneAborted() {
        List<TransactionStore.AbortedRange> gone = new ArrayList<>();
        synchronized (retainedAborts) {
            for (TransactionStore.AbortedRange a : retainedAborts) {
                Optional<Topic> topic = topics.find(a.topic());
                if (topic.isEmpty() || a.partition() >= topic.get().partitionCount()
                        || topic.get().log(a.partition()).startOffset() > a.markerOffset()) {
                    gone.add(a);
                }
            }
            retainedAborts.removeAll(gone);
        }
        if (gone.isEmpty()) {
            return;
        }
        store.forget(gone);
        for (TransactionStore.AbortedRange a : gone) {
            topics.find(a.topic()).filter(t -> a.partition() < t.partitionCount()).ifPresentOrElse(
                    t -> index.partition(a.topic(), a.partition()).prune(t.log(a.partition()).startOffset()),
                    () -> index.all().remove(new TransactionIndex.Key(a.topic(), a.partition())));
        }
    }

    private void abortLocked(Transaction t) {
        Map<TransactionIndex.Key, Long> markers = writeMarkers(t, StoredRecordLayout.MARKER_ABORT, Acks.LEADER);
        List<TransactionStore.AbortedRange> ranges = new ArrayList<>(t.parts.size());
        for (Map.Entry<TransactionIndex.Key, TransactionStore.Part> e : t.parts.entrySet()) {
            Long marker = markers.get(e.getKey());
            ranges.add(new TransactionStore.AbortedRange(t.id, e.getKey().topic(), e.getKey().partition(),
                    e.getValue().firstOffset(), marker == null ? Long.MAX_VALUE : marker));
        }
        store.aborted(t.id, ranges, t.offsets);
        for (TransactionStore.AbortedRange r : ranges) {
            index.partition(r.topic(), r.partition()).aborted(t.id, r.firstOffset(), r.markerOffset());
        }
        synchronized (retainedAborts) {
            retainedAborts.addAll(ranges);
        }
    }

    /** Stores the transaction's group offsets (a topic deleted meanwhile loses its offset, as a COMMIT would fail). */
    private void commitOffsets(Transaction t) {
        for (TransactionStore.PendingOffset o : t.offsets) {
            try {
                groups.commit(o.topic(), o.group(), o.partition(), o.offset());
            } catch (RequestException e) {
                LOG.log(System.Logger.Level.WARNING, "transaction " + ID_PREFIX + t.id + ": offset " + o.offset()
                        + " of group " + o.group() + " for " + o.topic() + "-" + o.partition() + " not stored: "
                        + e.getMessage());
            }
        }
    }

    /** Appends a marker to every partition of the transaction whose topic still exists; their offsets. */
    private Map<TransactionIndex.Key, Long> writeMarkers(Transaction t, int outcome, Acks acks) {
        Map<TransactionIndex.Key, Long> offsets = new LinkedHashMap<>();
        Record marker = new Record(clockMs.getAsLong(), null, new byte[0], List.of(
                new Header(StoredRecordLayout.TXN_HEADER, idBytes(t.id)),
                new Header(StoredRecordLayout.TXN_MARKER_HEADER, new byte[] {(byte) outcome})));
        for (Map.Entry<TransactionIndex.Key, TransactionStore.Part> e : t.parts.entrySet()) {
            TransactionStore.Part p = e.getValue();
            Optional<PartitionLog> log = logOf(p);
            if (log.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "transaction " + ID_PREFIX + t.id + ": " + p.topic() + "-"
                        + p.partition() + " is gone (topic deleted): no marker written there");
                continue;
            }
            offsets.put(e.getKey(), appender.append(p.topic(), p.partition(), log.get(), List.of(marker), acks));
        }
        return offsets;
    }

    private Optional<PartitionLog> logOf(TransactionStore.Part p) {
        return topics.find(p.topic()).filter(t -> p.partition() < t.partitionCount()).map(t -> t.log(p.partition()));
    }

    private void end(Transaction t, Outcome outcome) {
        t.ended = outcome;
        active.remove(t.id);
        remember(t.id, outcome);
        t.span.messageSize(t.records);
        if (outcome != Outcome.COMMITTED) {
            t.span.fail(new IllegalStateException("transaction " + ID_PREFIX + t.id + " " + outcome.label()));
        }
        t.span.end();
        if (!t.recovered) { // a transaction recovered from the state was not begun (nor counted) by this coordinator
            listener.transactionEnded(outcome.label(), Math.max(0, clockMs.getAsLong() - t.startMs));
        }
    }

    private void remember(long id, Outcome outcome) {
        synchronized (finished) {
            finished.put(id, outcome);
        }
    }

    /**
     * How transaction {@code id} ended, or null when it is unknown. An id handed out before this coordinator started
     * (a restart, or another node's coordinator before a failover) that left no trace in the state was open and had
     * written nothing durable: it ended aborted with its coordinator. That holds unless outcomes that old may have
     * been forgotten ({@link TransactionStore#REMEMBERED_OUTCOMES}).
     */
    private Outcome outcome(long id) {
        synchronized (finished) {
            Outcome known = finished.get(id);
            if (known != null) {
                return known;
            }
        }
        long oldest = store.oldestOutcome();
        boolean remembered = oldest < 0 ? !store.forgotSome : id > oldest;
        return id < store.firstId && remembered ? Outcome.ABORTED : null;
    }

    private Transaction open(String txnId) {
        long id = parse(txnId);
        Transaction t = active.get(id);
        if (t == null) {
            throw notOpen(txnId, outcome(id));
        }
        return t;
    }

    private void requireOpen(Transaction t) {
        if (t.ended != null) {
            throw notOpen(ID_PREFIX + t.id, t.ended);
        }
        if (t.recovered) {
            throw notOpen(ID_PREFIX + t.id, t.decided ? Outcome.COMMITTED : Outcome.ABORTED);
        }
    }

    private RequestException notOpen(String txnId, Outcome outcome) {
        if (outcome == null) {
            return new RequestException("unknown transaction " + txnId + ": never begun, or it was open when "
                    + "its coordinator restarted or failed over (an open transaction is then aborted), or it ended "
                    + "too long ago to be remembered");
        }
        return new RequestException("transaction " + txnId + " is not open: it was " + switch (outcome) {
            case COMMITTED -> "committed";
            case ABORTED -> "aborted";
            case TIMED_OUT -> "aborted after its timeout of " + timeoutMs + " ms (transaction.timeout)";
        });
    }

    private static long parse(String txnId) {
        if (txnId.startsWith(ID_PREFIX)) {
            try {
                long id = Long.parseLong(txnId, ID_PREFIX.length(), txnId.length(), 10);
                if (id > 0) {
                    return id;
                }
            } catch (NumberFormatException e) {
                // falls through to the refusal
            }
        }
        throw new RequestException("invalid transaction id '" + txnId + "': expected " + ID_PREFIX
                + "<number> as BEGIN_TX answered");
    }

    private static byte[] idBytes(long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }

    @Override
    public void close() {
        store.close();
    }

    /** One open transaction; its fields are guarded by {@link #lock}. */
    private static final class Transaction {
        final long id;
        final long startMs;
        final TraceSpan span;
        final ReentrantLock lock = new ReentrantLock();
        final Map<TransactionIndex.Key, TransactionStore.Part> parts = new LinkedHashMap<>();
        final List<TransactionStore.PendingOffset> offsets = new ArrayList<>();
        long records;
        long lastSequence = -1;
        Object lastAnswer;
        /** Found in the state by recovery (not begun by this coordinator); retried at once by the timeout check. */
        boolean recovered;
        /** The commit decision is stored: the transaction can only end committed. */
        boolean decided;
        volatile Outcome ended;

        Transaction(long id, long startMs, TraceSpan span) {
            this.id = id;
            this.startMs = startMs;
            this.span = span;
        }
    }
}
