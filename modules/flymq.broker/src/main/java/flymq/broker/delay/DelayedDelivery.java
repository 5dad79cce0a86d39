package flymq.broker.delay;

import flymq.broker.BrokerListener;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.protocol.Acks;
import flymq.protocol.RequestException;
import flymq.storage.AtomicFile;
import flymq.storage.EncryptionException;
import flymq.storage.EncryptionKeyIdFile;
import flymq.storage.FileModes;
import flymq.storage.Header;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import flymq.storage.ValueCipher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Delayed delivery (PRODUCE_DELAYED): records kept aside on disk until they are due, then appended to their
 * partition by one thread, {@code flymq-delayed}, exactly once across crashes. Single node only.
 *
 * <h2>The schedule on disk</h2>
 * A scheduled record is written to the {@link DelayBucket} of the minute it is due in ({@code data_dir/delayed/}); its
 * id is the bucket's minute and its number there. Only the soonest bucket whose minute has begun is read into memory
 * (the "window": 16 bytes per entry, sorted by due time, then id); later buckets cost a count and, while recently
 * written, an open file, whatever their size. A million records due in the same minute therefore cost 16 MiB while
 * that minute is delivered, and nothing per record before it.
 *
 * <h2>Exactly once into the target partition</h2>
 * Entries are delivered in (due, id) order, in batches appended with one write per partition (acks=all: fsynced).
 * The {@code state} file ({@link AtomicFile}) holds the <em>mark</em>, the last (due, id) delivered, and, while a batch
 * is being delivered, its <em>intent</em>: the batch's last (due, id) and, per partition written, the partition's end
 * offset before the write. The intent is written before the appends, the mark after them. Each delivered record
 * carries the header {@value #DELIVERED_HEADER} (its id, 8 bytes big-endian). After a crash with an intent present,
 * the records appended to those partitions since those offsets are read, the ids found there count as delivered, the
 * rest of the batch is delivered, and the mark moves past the batch: no record is lost and none is appended twice.
 * A bucket whose entries are all delivered or cancelled is deleted once its minute has passed; new entries are never
 * scheduled before the mark or into a deleted minute ({@code floor}), even if the clock goes back.
 *
 * <h2>The delivered record</h2>
 * It gets its offset when it is appended (like upstream, whose answer says offset 0), the delivery time as its
 * timestamp (so a partition's timestamps stay in append order for retention and SEEK_TO_TIMESTAMP), and the topic's
 * {@code ttl_ms} (or {@code ttl.default_ttl}) counted from then. Topics deleted meanwhile (or a partition gone) drop
 * the record with a warning: there is nowhere to deliver it.
 */
public final class DelayedDelivery implements DelayedCounts, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DelayedDelivery.class.getName());
    /** Header on every delivered record: the schedule id, 8 bytes big-endian. */
    public static final String DELIVERED_HEADER = "flymq.delayed-id";
    static final String STATE_FILE = "state";
    private static final int BATCH = 500;
    private static final int OPEN_BUCKETS = 32;
    private static final long MAX_WAIT_MS = 1000;

    /** What PRODUCE_DELAYED answers: where the record will go, its schedule id and when it is due. */
    public record Scheduled(String topic, int partition, long id, long dueMs) {
    }

    /** The delivery in flight: the batch's last entry and each partition's end before it was written. */
    record Intent(long endDue, long endId, List<Part> parts) {
    }

    record Part(String topic, int partition, long endBefore) {
    }

    /** The contents of the state file. */
    record State(long markDue, long markId, long floorMs, Intent intent) {
        static final State EMPTY = new State(Long.MIN_VALUE, -1, Long.MIN_VALUE, null);

        boolean covers(long due, long id) {
            return due < markDue || (due == markDue && id <= markId);
        }
    }

    /** An entry taken from the window to be delivered. */
    private record Due(DelayBucket bucket, int seq, long dueMs, long position) {
        long id() {
            return DelayBucket.idOf(bucket.minute(), seq);
        }
    }

    private final Path dir;
    private final TopicManager topics;
    private final ProduceAcknowledger acknowledger;
    private final RecordExpiry expiry;
    private final BrokerListener listener;
    private final long maxDelayMs;
    private final boolean syncEachSchedule;
    private final long syncIntervalMs;
    /** Seals the values in the buckets when encryption at rest is on; null otherwise. */
    private final ValueCipher cipher;
    private final ValueCipher.Sealer sealer;
    private final ValueCipher.Opener opener;
    private boolean unsynced;
    private final AtomicFile stateFile;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TreeMap<Long, DelayBucket> buckets = new TreeMap<>();
    private final LinkedHashMap<Long, DelayBucket> recentlyWritten = new LinkedHashMap<>(16, 0.75f, true);
    private State state;
    private Window window;
    private long pending;
    private long delivered;
    private long cancelled;
    private long dropped;
    private Thread thread;
    private volatile boolean closed;

    /**
     * Opens the schedule in {@code dir} (recovering buckets and finishing a delivery a crash interrupted); call
     * {@link #start()} to begin delivering.
     *
     * @param syncEachSchedule fsync every scheduled record before it is acknowledged ({@code performance.acks=all});
     *                         otherwise the delivery thread fsyncs what was scheduled within {@code syncIntervalMs}
     * @param syncIntervalMs   {@code performance.sync_interval_ms}
     */
    public DelayedDelivery(Path dir, TopicManager topics, ProduceAcknowledger acknowledger, RecordExpiry expiry,
                           BrokerListener listener, long maxDelayMs, boolean syncEachSchedule, long syncIntervalMs) {
        this(dir, topics, acknowledger, expiry, listener, maxDelayMs, syncEachSchedule, syncIntervalMs, null);
    }

    /**
     * As {@link #DelayedDelivery(Path, TopicManager, ProduceAcknowledger, RecordExpiry, BrokerListener, long,
     * boolean, long)} with encryption at rest: the buckets hold sealed values ({@code cipher} null: plain ones).
     *
     * @throws EncryptionException when the schedule was written under another key, or with no key and one is
     *                             given now while records scheduled then are still pending
     */
    public DelayedDelivery(Path dir, TopicManager topics, ProduceAcknowledger acknowledger, RecordExpiry expiry,
                           BrokerListener listener, long maxDelayMs, boolean syncEachSchedule, long syncIntervalMs,
                           ValueCipher cipher) {
        this.cipher = cipher;
        this.sealer = cipher == null ? null : cipher.sealer();
        this.opener = cipher == null ? null : cipher.opener("the delayed-delivery schedule " + dir);
        this.dir = dir;
        this.topics = topics;
        this.acknowledger = acknowledger;
        this.expiry = expiry;
        this.listener = listener;
        this.maxDelayMs = maxDelayMs;
        this.syncEachSchedule = syncEachSchedule;
        this.syncIntervalMs = Math.max(1, syncIntervalMs);
        this.stateFile = new AtomicFile(dir.resolve(STATE_FILE));
        lock.lock();
        try {
            // the directory is made by the first schedule: a broker that never delays a record has none
            if (Files.isDirectory(dir)) {
                checkKey();
                state = readState();
                openBuckets();
                resolveIntent();
            } else {
                state = State.EMPTY;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Starts the delivery thread. */
    public void start() {
        thread = Thread.ofPlatform().name("flymq-delayed").daemon(true).start(this::run);
    }

    // ---------------------------------------------------------------- requests

    /**
     * Schedules a record; it is on disk when this returns (fsynced under {@code performance.acks=all}).
     *
     * @param partition -1 lets the topic choose, as for PRODUCE
     */
    public Scheduled schedule(String topicName, int partition, byte[] key, byte[] value, long delayMs) {
        if (delayMs < 0 || delayMs > maxDelayMs) {
            throw new RequestException("invalid delay_ms " + delayMs + " for topic " + topicName + ": expected 0.."
                    + maxDelayMs + " (delayed.max_delay is " + maxDelayMs / 1000 + " s)");
        }
        if (partition < -1) {
            throw new RequestException("invalid partition " + partition + " for topic " + topicName
                    + ": use -1 to let the broker choose, or a partition number from 0");
        }
        Topic topic = topics.forProduce(topicName);
        byte[] k = key == null ? new byte[0] : key;
        int p = topic.choosePartition(k, partition);
        lock.lock();
        try {
            ensureOpen();
            long now = expiry.nowMs();
            long due = Math.max(now + delayMs, Math.max(state.markDue(), state.floorMs()));
            long minute = DelayBucket.minuteOf(due);
            DelayBucket bucket = buckets.get(minute);
            if (bucket == null) {
                createDirectory();
                bucket = DelayBucket.open(dir, minute);
                buckets.put(minute, bucket);
            }
            long position = bucket.sizeBytes();
            // sealed with the due time and the schedule time as associated data: bound to its entry
            int seq = bucket.append(due, now, topicName, p, k, sealer == null ? value : sealer.seal(value, due, now, k));
            if (syncEachSchedule) {
                bucket.force();
            } else {
                unsynced = true;
            }
            written(bucket);
            if (window != null && window.bucket == bucket) {
                window.addLate(due, seq, position);
            }
            pending++;
            changed.signal();
            return new Scheduled(topicName, p, DelayBucket.idOf(minute, seq), due);
        } finally {
            lock.unlock();
        }
    }

    /** Cancels a scheduled record: null when done, else why not (already delivered, cancelled, unknown). */
    public String cancel(String topicName, long id) {
        lock.lock();
        try {
            ensureOpen();
            DelayBucket bucket = buckets.get(DelayBucket.minuteOfId(id));
            int seq = DelayBucket.seqOfId(id);
            if (bucket == null || seq < 0 || seq >= bucket.count()) {
                return "no record is scheduled with delay id " + id + " (unknown, or delivered and gone)";
            }
            DelayBucket.Entry e = bucket.find(seq);
            if (!e.topic().equals(topicName)) {
                return "delay id " + id + " schedules a record for topic " + e.topic() + ", not " + topicName;
            }
            Intent intent = state.intent();
            if (state.covers(e.dueMs(), id) || (intent != null && !after(e.dueMs(), id, intent.endDue(),
                    intent.endId()))) {
                return "the record with delay id " + id + " was already delivered to " + e.topic() + "-"
                        + e.partition();
            }
            BitSet gone = window != null && window.bucket == bucket ? window.cancelled : bucket.cancelled();
            if (gone.get(seq)) {
                return "the record with delay id " + id + " was already cancelled";
            }
            bucket.cancel(seq);
            gone.set(seq);
            pending--;
            cancelled++;
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forces recently scheduled records to disk: the delivery thread's periodic fsync when not every schedule is
     * synced. It runs on that thread (never on a pool that a shutdown interrupts: an interrupt during a force would
     * close the file under everyone).
     */
    private void flushUnsynced() {
        if (unsynced) {
            for (DelayBucket b : recentlyWritten.values()) {
                b.force();
            }
            unsynced = false;
        }
    }

    /**
     * Checks the key against the schedule's {@link EncryptionKeyIdFile}. A schedule written without a key has no
     * such file and plain values: a key given now could not read them, so it is refused while any is pending.
     */
    private void checkKey() {
        if (cipher != null && !Files.exists(dir.resolve(EncryptionKeyIdFile.NAME))) {
            try (var files = Files.list(dir)) {
                if (files.anyMatch(f -> f.getFileName().toString().endsWith(DelayBucket.ENTRIES_SUFFIX))) {
                    throw new EncryptionException("the delayed-delivery schedule in " + dir + " holds records "
                            + "scheduled without encryption at rest: start without security.encryption_enabled until "
                            + "they are delivered, then turn it on");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e, e);
            }
        }
        EncryptionKeyIdFile.check(dir, cipher == null ? null : cipher.key());
    }

    private void createDirectory() {
        try {
            if (!Files.isDirectory(dir)) {
                FileModes.createDirectories(dir);
                EncryptionKeyIdFile.check(dir, cipher == null ? null : cipher.key());
                AtomicFile.fsyncDirectory(dir.getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e, e);
        }
    }

    /** Wakes the delivery thread: for a test that moved the clock. */
    public void wakeUp() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Records scheduled and neither delivered nor cancelled yet. */
    @Override
    public long pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    /** Records delivered since this node started. */
    @Override
    public long delivered() {
        lock.lock();
        try {
            return delivered;
        } finally {
            lock.unlock();
        }
    }

    /** Records cancelled since this node started. */
    @Override
    public long cancelled() {
        lock.lock();
        try {
            return cancelled;
        } finally {
            lock.unlock();
        }
    }

    /** Records that were due but had nowhere to go (topic or partition deleted) since this node started. */
    @Override
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- delivery

    /**
     * One delivery pass: finishes an interrupted delivery, then delivers one batch of what is due now; returns how
     * many entries it took (0: nothing is due). The delivery thread runs it in a loop; a test calls it directly.
     */
    int deliverDue() {
        lock.lock();
        try {
            ensureOpen();
            resolveIntent();
            List<Due> batch = takeDue(expiry.nowMs());
            if (!batch.isEmpty()) {
                deliver(batch, null);
            }
            return batch.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        lock.lock();
        try {
            while (!closed) {
                try {
                    if (deliverDue() == 0 && !closed) {
                        flushUnsynced();
                        changed.await(waitMs(expiry.nowMs()), TimeUnit.MILLISECONDS);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    if (closed) {
                        return;
                    }
                    LOG.log(System.Logger.Level.WARNING, "delayed delivery failed, retrying in 1 s: " + e, e);
                    window = null; // read the bucket again: the intent says what was delivered
                    try {
                        changed.await(MAX_WAIT_MS, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** How long to sleep when nothing is due: until the next due entry or bucket, at most a second. */
    private long waitMs(long now) {
        long next = Long.MAX_VALUE;
        if (window != null) {
            next = window.nextDue();
            if (next == Long.MAX_VALUE) {
                next = window.bucket.startMs() + DelayBucket.MINUTE_MS;
            }
        } else if (!buckets.isEmpty()) {
            next = buckets.firstEntry().getValue().startMs();
        }
        long wait = Math.max(1, Math.min(MAX_WAIT_MS, next == Long.MAX_VALUE ? MAX_WAIT_MS : next - now));
        return unsynced ? Math.min(wait, syncIntervalMs) : wait;
    }

    /** Up to {@link #BATCH} entries due at {@code now}, in (due, id) order, taken out of the window. */
    private List<Due> takeDue(long now) {
        List<Due> out = new ArrayList<>();
        while (out.size() < BATCH) {
            if (window == null && !loadWindow(now)) {
                break;
            }
            Due d = window.take(now);
            if (d != null) {
                out.add(d);
                continue;
            }
            if (window.exhausted() && now >= window.bucket.startMs() + DelayBucket.MINUTE_MS && out.isEmpty()) {
                retire(window.bucket);
                continue;
            }
            break;
        }
        return out;
    }

    /** Makes the soonest bucket whose minute has begun the window; false when there is none. */
    private boolean loadWindow(long now) {
        Map.Entry<Long, DelayBucket> first = buckets.firstEntry();
        if (first == null || first.getValue().startMs() > now) {
            return false;
        }
        window = new Window(first.getValue(), state);
        return true;
    }

    private void retire(DelayBucket bucket) {
        long end = bucket.startMs() + DelayBucket.MINUTE_MS;
        writeState(new State(state.markDue(), state.markId(), Math.max(state.floorMs(), end), state.intent()));
        buckets.remove(bucket.minute());
        recentlyWritten.remove(bucket.minute());
        bucket.delete();
        window = null;
    }

    /**
     * Delivers a batch exactly once: intent, appends (acks=all), mark. {@code previous} is the intent of a batch a
     * failure interrupted, which this one finishes (its partitions and end stay part of the new intent).
     */
    private void deliver(List<Due> batch, Intent previous) {
        long now = expiry.nowMs();
        Map<String, Long> expiresAt = new LinkedHashMap<>(); // by topic: its ttl_ms or ttl.default_ttl from now
        Map<String, List<Record>> byPartition = new LinkedHashMap<>();
        Map<String, int[]> targets = new LinkedHashMap<>();
        Map<String, String> topicOf = new LinkedHashMap<>();
        List<Part> parts = new ArrayList<>(previous == null ? List.of() : previous.parts());
        long droppedHere = 0;
        for (Due d : batch) {
            DelayBucket.Entry e = d.bucket().read(d.position());
            String key = e.topic() + "\u0000" + e.partition();
            if (!byPartition.containsKey(key)) {
                PartitionLog log = targetLog(e.topic(), e.partition());
                if (log == null) {
                    droppedHere++;
                    continue;
                }
                byPartition.put(key, new ArrayList<>());
                expiresAt.computeIfAbsent(e.topic(), t -> expiry.defaultExpiresAt(topics.topic(t), now));
                targets.put(key, new int[] {e.partition()});
                topicOf.put(key, e.topic());
                boolean known = parts.stream().anyMatch(pt -> pt.topic().equals(e.topic())
                        && pt.partition() == e.partition());
                if (!known) {
                    parts.add(new Part(e.topic(), e.partition(), log.endOffset()));
                }
            }
            byte[] value = opener == null ? e.value() : opener.open(e.value(), e.dueMs(), e.scheduledMs(), e.key());
            byPartition.get(key).add(new Record(now, e.key(), value,
                    List.of(new Header(DELIVERED_HEADER, ByteBuffer.allocate(8).putLong(d.id()).array())),
                    expiresAt.get(e.topic())));
        }
        Due last = batch.get(batch.size() - 1);
        long endDue = previous == null ? last.dueMs() : previous.endDue();
        long endId = previous == null ? last.id() : previous.endId();
        writeState(new State(state.markDue(), state.markId(), state.floorMs(), new Intent(endDue, endId, parts)));
        // counted only once every append succeeded: after a failure the intent's recovery counts what got through
        long deliveredHere = 0;
        for (Map.Entry<String, List<Record>> g : byPartition.entrySet()) {
            String topic = topicOf.get(g.getKey());
            int partition = targets.get(g.getKey())[0];
            List<Record> records = g.getValue();
            long start = System.nanoTime();
            PartitionLog log = targetLog(topic, partition);
            if (log == null) {
                droppedHere += records.size();
                continue;
            }
            acknowledger.appendAndAcknowledge(topic, partition, log, records, Acks.ALL);
            long bytes = 0;
            for (Record r : records) {
                bytes += (r.key() == null ? 0 : r.key().length) + r.value().length;
            }
            listener.produced(topic, partition, records.size(), bytes, System.nanoTime() - start);
            deliveredHere += records.size();
        }
        writeState(new State(endDue, endId, state.floorMs(), null));
        delivered += deliveredHere;
        dropped += droppedHere;
        pending -= deliveredHere + droppedHere;
    }

    /** The log to deliver to, or null (with a warning) when the topic or the partition is gone. */
    private PartitionLog targetLog(String topic, int partition) {
        try {
            Topic t = topics.forProduce(topic);
            return t.log(partition);
        } catch (RequestException e) {
            LOG.log(System.Logger.Level.WARNING, "a delayed record for " + topic + "-" + partition
                    + " is dropped: " + e.getMessage());
            return null;
        }
    }

    /** Finishes the delivery a crash or a failure interrupted, if the state file names one. */
    private void resolveIntent() {
        Intent intent = state.intent();
        if (intent == null) {
            return;
        }
        Set<Long> done = deliveredIds(intent.parts());
        window = null;
        List<Due> rest = new ArrayList<>();
        long minute = DelayBucket.minuteOfId(intent.endId());
        while (true) {
            Map.Entry<Long, DelayBucket> first = buckets.firstEntry();
            if (first == null || first.getKey() > minute) {
                break;
            }
            if (window == null) {
                window = new Window(first.getValue(), state);
            }
            Due d = window.takeUpTo(intent.endDue(), intent.endId());
            if (d == null) {
                break;
            }
            if (done.contains(d.id())) {
                delivered++;
                pending--;
            } else {
                rest.add(d);
            }
        }
        if (rest.isEmpty()) {
            writeState(new State(intent.endDue(), intent.endId(), state.floorMs(), null));
        } else {
            deliver(rest, intent);
        }
    }

    /** The delayed ids in the records appended to each part's partition since its recorded end. */
    private Set<Long> deliveredIds(List<Part> parts) {
        Set<Long> ids = new HashSet<>();
        for (Part part : parts) {
            Optional<Topic> t = topics.find(part.topic());
            if (t.isEmpty() || part.partition() >= t.get().partitionCount()) {
                continue;
            }
            PartitionLog log = t.get().log(part.partition());
            long offset = Math.max(part.endBefore(), log.startOffset());
            while (offset < log.endOffset()) {
                List<StoredRecord> records = log.read(offset, 1000, 1 << 20);
                if (records.isEmpty()) {
                    break;
                }
                for (StoredRecord r : records) {
                    for (Header h : r.headers()) {
                        if (h.key().equals(DELIVERED_HEADER) && h.value().length == 8) {
                            ids.add(ByteBuffer.wrap(h.value()).getLong());
                        }
                    }
                    offset = r.offset() + 1;
                }
            }
        }
        return ids;
    }

    private static boolean after(long due, long id, long markDue, long markId) {
        return due > markDue || (due == markDue && id > markId);
    }

    // ---------------------------------------------------------------- files

    private void openBuckets() {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(DelayBucket.ENTRIES_SUFFIX)) {
                    long minute = Long.parseLong(name.substring(0, name.length() - DelayBucket.ENTRIES_SUFFIX.length()));
                    buckets.put(minute, DelayBucket.open(dir, minute));
                } else if (name.endsWith(DelayBucket.CANCELLED_SUFFIX)) {
                    long minute = Long.parseLong(name.substring(0,
                            name.length() - DelayBucket.CANCELLED_SUFFIX.length()));
                    if (!Files.exists(dir.resolve(DelayBucket.fileName(minute, DelayBucket.ENTRIES_SUFFIX)))) {
                        Files.deleteIfExists(f); // its bucket was deleted; a crash left this behind
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot open the delayed-delivery schedule in " + dir + ": " + e, e);
        }
        for (DelayBucket b : List.copyOf(buckets.values())) {
            b.release();
            int live = b.count() - b.cancelled().cardinality();
            if (b.startMs() + DelayBucket.MINUTE_MS <= state.markDue() && state.intent() == null) {
                buckets.remove(b.minute()); // delivered; a crash came before its deletion
                b.delete();
                continue;
            }
            if (DelayBucket.minuteOf(state.markDue()) == b.minute() || (state.intent() != null
                    && DelayBucket.minuteOfId(state.intent().endId()) == b.minute())) {
                live = new Window(b, state).remaining();
            }
            pending += live;
        }
    }

    private State readState() {
        Optional<byte[]> bytes = stateFile.read();
        if (bytes.isEmpty()) {
            return State.EMPTY;
        }
        String text = new String(bytes.get(), StandardCharsets.UTF_8);
        try {
            String[] lines = text.split("\n");
            if (!lines[0].equals("flymq-delayed-state 1")) {
                throw new IllegalArgumentException("unknown first line '" + lines[0] + "'");
            }
            String[] mark = lines[1].split(" ");
            String[] floor = lines[2].split(" ");
            Intent intent = null;
            if (lines.length > 3 && lines[3].startsWith("intent ")) {
                String[] in = lines[3].split(" ");
                int n = Integer.parseInt(in[3]);
                List<Part> parts = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    String[] p = lines[4 + i].split(" ");
                    parts.add(new Part(p[3], Integer.parseInt(p[1]), Long.parseLong(p[2])));
                }
                intent = new Intent(Long.parseLong(in[1]), Long.parseLong(in[2]), List.copyOf(parts));
            }
            return new State(Long.parseLong(mark[1]), Long.parseLong(mark[2]), Long.parseLong(floor[1]), intent);
        } catch (RuntimeException e) {
            throw new IllegalStateException(stateFile.path() + " is damaged (" + e + "): " + text, e);
        }
    }

    /**
     * The state file, text: {@code flymq-delayed-state 1}, {@code mark DUE ID}, {@code floor MS}, and while a batch
     * is delivered {@code intent END_DUE END_ID N} followed by N lines {@code part PARTITION END_BEFORE TOPIC}.
     */
    private void writeState(State next) {
        StringBuilder b = new StringBuilder("flymq-delayed-state 1\n");
        b.append("mark ").append(next.markDue()).append(' ').append(next.markId()).append('\n');
        b.append("floor ").append(next.floorMs()).append('\n');
        if (next.intent() != null) {
            Intent in = next.intent();
            b.append("intent ").append(in.endDue()).append(' ').append(in.endId()).append(' ')
                    .append(in.parts().size()).append('\n');
            for (Part p : in.parts()) {
                b.append("part ").append(p.partition()).append(' ').append(p.endBefore()).append(' ')
                        .append(p.topic()).append('\n');
            }
        }
        stateFile.write(b.toString().getBytes(StandardCharsets.UTF_8));
        state = next;
    }

    private void written(DelayBucket bucket) {
        recentlyWritten.put(bucket.minute(), bucket);
        if (recentlyWritten.size() > OPEN_BUCKETS) {
            Map.Entry<Long, DelayBucket> eldest = recentlyWritten.entrySet().iterator().next();
            recentlyWritten.remove(eldest.getKey());
            if (window == null || window.bucket != eldest.getValue()) {
                eldest.getValue().release();
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new RequestException("the broker is shutting down: delayed delivery is stopped");
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            // no interrupt: it would close the partition log's file under an append; the loop sees closed
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lock.lock();
        try {
            for (DelayBucket b : buckets.values()) {
                b.force();
                b.close();
            }
            buckets.clear();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the window

    /**
     * The due-soonest bucket in memory: one sorted {@code long} per live entry ({@code due offset in the minute << 32
     * | seq}) and the file position of every entry, plus a queue for entries scheduled into it after it was read.
     */
    private static final class Window {
        final DelayBucket bucket;
        final BitSet cancelled;
        private final long start;
        private long[] keys;
        private int size;
        private int cursor;
        private long[] positions;
        private final PriorityQueue<Long> late = new PriorityQueue<>();

        Window(DelayBucket bucket, State state) {
            this.bucket = bucket;
            this.start = bucket.startMs();
            this.cancelled = bucket.cancelled();
            int n = bucket.count();
            keys = new long[n];
            positions = new long[Math.max(16, n)];
            bucket.scan((seq, due, pos) -> {
                positions[seq] = pos;
                if (!cancelled.get(seq) && !state.covers(due, DelayBucket.idOf(bucket.minute(), seq))) {
                    keys[size++] = (due - start) << 32 | seq;
                }
            });
            Arrays.sort(keys, 0, size);
        }

        void addLate(long due, int seq, long position) {
            if (seq >= positions.length) {
                positions = Arrays.copyOf(positions, Math.max(seq + 1, positions.length * 2));
            }
            positions[seq] = position;
            late.add((due - start) << 32 | seq);
        }

        /** Live entries not taken yet. */
        int remaining() {
            int n = 0;
            for (int i = cursor; i < size; i++) {
                if (!cancelled.get((int) keys[i])) {
                    n++;
                }
            }
            for (long k : late) {
                if (!cancelled.get((int) k)) {
                    n++;
                }
            }
            return n;
        }

        private long peek() {
            while (cursor < size && cancelled.get((int) keys[cursor])) {
                cursor++;
            }
            while (!late.isEmpty() && cancelled.get((int) late.peek().longValue())) {
                late.poll();
            }
            long a = cursor < size ? keys[cursor] : Long.MAX_VALUE;
            long b = late.isEmpty() ? Long.MAX_VALUE : late.peek();
            return Math.min(a, b);
        }

        long nextDue() {
            long k = peek();
            return k == Long.MAX_VALUE ? Long.MAX_VALUE : start + (k >>> 32);
        }

        boolean exhausted() {
            return peek() == Long.MAX_VALUE;
        }

        /** The next entry if it is due at {@code now}. */
        Due take(long now) {
            long k = peek();
            if (k == Long.MAX_VALUE || start + (k >>> 32) > now) {
                return null;
            }
            return remove(k);
        }

        /** The next entry if it is at or before (due, id), whether due or not (finishing an interrupted batch). */
        Due takeUpTo(long due, long id) {
            long k = peek();
            if (k == Long.MAX_VALUE) {
                return null;
            }
            long d = start + (k >>> 32);
            if (after(d, DelayBucket.idOf(bucket.minute(), (int) k), due, id)) {
                return null;
            }
            return remove(k);
        }

        private Due remove(long k) {
            if (cursor < size && keys[cursor] == k) {
                cursor++;
            } else {
                late.poll();
            }
            int seq = (int) k;
            return new Due(bucket, seq, start + (k >>> 32), positions[seq]);
        }
    }
}
