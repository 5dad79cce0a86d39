package flymq.broker.delay;

import flymq.storage.AtomicFile;
import flymq.storage.EncryptionKeyIdFile;
import flymq.storage.FileModes;
import flymq.storage.ValueCipher;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The delayed-delivery schedule of one partition in a cluster, kept alike by every replica of the partition's Raft
 * group: the group's log carries SCHEDULE, CANCEL and RELEASE commands, and each replica applies them, in the same
 * order, to its own copy of the schedule, which is the single-node format ({@link DelayBucket}: one pair of files per
 * minute, {@code <data_dir>/delayed/partitions/<create index>-<partition>/}). Memory per pending record: none;
 * per minute with records, one small object (entry and cancel counts, the cancelled seqs); the leader alone reads the
 * minute being released into a sorted window of 16 bytes per entry ({@link #due}).
 *
 * <h2>Commands (in the partition's Raft log; big-endian)</h2>
 * <pre>
 * SCHEDULE  i32 -5 · i64 dueMs · i64 scheduledMs · i32 keyLength (-1: none) · key · i32 valueLength · value
 *           result: the delay id; refused (no change anywhere) when dueMs is before the release mark or the floor
 * CANCEL    i32 -6 · i64 delayId
 *           result: 0 cancelled, {@link #UNKNOWN}, {@link #DELIVERED} or {@link #CANCELLED}
 * RELEASE   i32 -7 · ... (the partition state machine's format: due records with their (due, id), see
 *           {@link #applyRelease})
 * </pre>
 * A delay id here is {@code minute << 36 | partition << 22 | seq} (27 bits of minute: until the year 2225; 14 bits of
 * partition: {@code TopicManager.MAX_PARTITIONS} is 10 000; 22 bits of seq: 4 194 304 records due in one minute of one
 * partition), so a node that is not the partition's leader finds the partition, and its leader, from the id alone.
 *
 * <h2>Exactly once</h2>
 * The <em>mark</em> is the last (due, id) released. A RELEASE names each record's (due, id); applying it appends
 * (through the same Raft entry, so atomically with the mark moving) only the records after the mark and not
 * cancelled, then moves the mark. A new leader that proposes again records an earlier leader released (its RELEASE
 * committed but not yet applied on the new leader, or released again after a failover between the append and an
 * answer) therefore appends nothing twice: every replica decides alike from the same commands.
 *
 * <h2>Replay</h2>
 * What a replica applied is counted per minute (entries and cancels); the counts come from the group's snapshot
 * ({@link #writeSnapshot}, {@link #readSnapshot}) and grow with each replayed command. A replayed SCHEDULE or CANCEL
 * whose entry is already in the files (applied before a restart) is not written again, so the files hold each
 * command once. {@link #writeSnapshot} forces the files first: the commands below a snapshot are dropped from the
 * Raft log.
 *
 * <h2>Encryption at rest</h2>
 * With a {@link ValueCipher}, each replica seals the values it writes into its files (as the single node does, with
 * the due and arrival times as associated data; the directory's {@code encryption-key-id} file names the key) and
 * opens them when it releases or copies them: values travel in the clear only inside the node (Raft entries are
 * sealed by the Raft store, DELAYED_ENTRIES by the cluster transport's TLS when configured).
 */
public final class PartitionSchedule implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PartitionSchedule.class.getName());
    public static final int SCHEDULE = -5;
    public static final int CANCEL = -6;
    public static final int RELEASE = -7;
    /** CANCEL results. */
    public static final long UNKNOWN = -1;
    public static final long DELIVERED = -2;
    public static final long CANCELLED = -3;
    static final int SEQ_BITS = 22;
    static final int PARTITION_BITS = 14;
    static final int MAX_SEQ = (1 << SEQ_BITS) - 1;
    private static final int SNAPSHOT_VERSION = 1;

    /** A SCHEDULE refused because its due time is before what this partition already released or retired. */
    public static final class DueTooEarly extends RuntimeException {
        DueTooEarly(String message) {
            super(message, null, false, false);
        }
    }

    /** A record due to be released: its (due, id) and what the bucket holds. */
    public record DueRecord(long dueMs, long id, long scheduledMs, byte[] key, byte[] value) {
    }

    /** An entry of a minute as a replica copies it from the leader. */
    public record Entry(int seq, long dueMs, long scheduledMs, byte[] key, byte[] value) {
    }

    /** The leader's source of entries a replica misses after installing a snapshot (null: none). */
    public interface EntrySource {
        /**
         * The entries {@code [fromSeq, toSeq)} of {@code minute} in this partition's schedule on the leader; null
         * when the leader retired that minute since (all of it released or cancelled: nothing left to copy).
         */
        List<Entry> entries(long minute, int fromSeq, int toSeq);

        /** The cancels {@code [from, to)} of {@code minute} (in the order they were applied); null: retired. */
        int[] cancels(long minute, int from, int to);
    }

    /** One minute of the schedule as this replica applied it. */
    private static final class Minute {
        final DelayBucket bucket;
        int entries;
        int cancels;
        final BitSet cancelled;
        /**
         * The files miss entries the group applied, which the leader no longer had when this replica installed a
         * snapshot: the minute was retired after that snapshot, and this replica will apply that retirement too.
         */
        boolean incomplete;

        Minute(DelayBucket bucket, int entries, int cancels, BitSet cancelled) {
            this.bucket = bucket;
            this.entries = entries;
            this.cancels = cancels;
            this.cancelled = cancelled;
        }
    }

    private final Path dir;
    private final String topic;
    private final int partition;
    private final Runnable scheduled;
    private final ReentrantLock lock = new ReentrantLock();
    private final TreeMap<Long, Minute> minutes = new TreeMap<>();
    private long markDue = Long.MIN_VALUE;
    private long markId = -1;
    private long floorMs = Long.MIN_VALUE;
    private long pending;
    private Window window;
    private volatile EntrySource source;
    private final ValueCipher cipher;
    private final ValueCipher.Sealer sealer;
    private final ValueCipher.Opener opener;

    /**
     * @param dir       this replica's schedule files (created on the first SCHEDULE)
     * @param scheduled called after a SCHEDULE is applied (wakes the release thread: the record may be due soon)
     */
    public PartitionSchedule(Path dir, String topic, int partition, Runnable scheduled) {
        this(dir, topic, partition, scheduled, null);
    }

    /** @param cipher seals the values in the files (encryption at rest), or null */
    public PartitionSchedule(Path dir, String topic, int partition, Runnable scheduled, ValueCipher cipher) {
        this.cipher = cipher;
        this.sealer = cipher == null ? null : cipher.sealer();
        this.opener = cipher == null ? null : cipher.opener("the delayed-delivery schedule " + dir);
        if (partition >= 1 << PARTITION_BITS) {
            throw new IllegalArgumentException("partition " + partition + " is beyond the delay id's "
                    + PARTITION_BITS + " bits");
        }
        this.dir = dir;
        this.topic = topic;
        this.partition = partition;
        this.scheduled = scheduled;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    /** Where a replica that installed a snapshot copies the entries it misses from (the group's leader). */
    public void entrySource(EntrySource source) {
        this.source = source;
    }

    // ---------------------------------------------------------------- ids

    public static long idOf(long minute, int partition, int seq) {
        return minute << (PARTITION_BITS + SEQ_BITS) | (long) partition << SEQ_BITS | seq;
    }

    public static int partitionOfId(long id) {
        return (int) (id >>> SEQ_BITS) & ((1 << PARTITION_BITS) - 1);
    }

    static long minuteOfId(long id) {
        return id >>> (PARTITION_BITS + SEQ_BITS);
    }

    static int seqOfId(long id) {
        return (int) (id & MAX_SEQ);
    }

    // ---------------------------------------------------------------- commands

    public static byte[] encodeSchedule(long dueMs, long scheduledMs, byte[] key, byte[] value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + (key == null ? 0 : key.length) + value.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(SCHEDULE);
            out.writeLong(dueMs);
            out.writeLong(scheduledMs);
            if (key == null || key.length == 0) {
                out.writeInt(-1);
            } else {
                out.writeInt(key.length);
                out.write(key);
            }
            out.writeInt(value.length);
            out.write(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] encodeCancel(long id) {
        return java.nio.ByteBuffer.allocate(12).putInt(CANCEL).putLong(id).array();
    }

    /** Applies a SCHEDULE or CANCEL command (the partition group's Raft thread). */
    public long apply(byte[] command) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(command));
        try {
            int format = in.readInt();
            if (format == CANCEL) {
                return cancel(in.readLong());
            }
            if (format != SCHEDULE) {
                throw new IllegalArgumentException("not a schedule command: format " + format);
            }
            long due = in.readLong();
            long at = in.readLong();
            int keyLength = in.readInt();
            byte[] key = keyLength < 0 ? null : in.readNBytes(keyLength);
            int valueLength = in.readInt();
            if (valueLength < 0 || valueLength > in.available()) {
                throw new IOException("value length " + valueLength);
            }
            byte[] value = in.readNBytes(valueLength);
            return schedule(due, at, key, value);
        } catch (IOException e) {
            throw new IllegalArgumentException("damaged delayed-delivery command (" + command.length + " bytes): "
                    + e, e);
        }
    }

    /** The earliest due time a SCHEDULE may carry now (the leader's proposals start there). */
    public long earliestDue() {
        lock.lock();
        try {
            return Math.max(markDue, floorMs);
        } finally {
            lock.unlock();
        }
    }

    private long schedule(long due, long at, byte[] key, byte[] value) {
        lock.lock();
        try {
            if (due < markDue || due < floorMs) {
                throw new DueTooEarly("partition " + topic + "-" + partition + " released records up to "
                        + Math.max(markDue, floorMs) + " already; a record cannot be due at " + due);
            }
            long minute = DelayBucket.minuteOf(due);
            Minute m = minute(minute);
            int seq = m.entries;
            if (seq > MAX_SEQ) {
                throw new DueTooEarly("partition " + topic + "-" + partition + " holds " + (MAX_SEQ + 1)
                        + " delayed records due in the minute of " + due + "; schedule with another delay");
            }
            long position = m.bucket.sizeBytes();
            if (m.bucket.count() == seq) {
                m.bucket.append(due, at, topic, partition, key, seal(value, due, at, key));
            } else if (m.incomplete) {
                position = -1; // the leader retired this minute after the snapshot: it is never released here
            } else if (m.bucket.count() < seq) {
                throw new IllegalStateException(m.bucket + " misses entries " + m.bucket.count() + ".." + (seq - 1)
                        + " the partition group applied");
            } else {
                position = -1; // replayed: the entry is in the file already
            }
            m.entries++;
            pending++;
            if (window != null && window.minute == m) {
                window.addLate(due, seq, position);
            }
            return idOf(minute, partition, seq);
        } finally {
            lock.unlock();
            scheduled.run();
        }
    }

    private Minute minute(long minute) {
        Minute m = minutes.get(minute);
        if (m == null) {
            createDirectory();
            m = new Minute(DelayBucket.open(dir, minute), 0, 0, new BitSet());
            minutes.put(minute, m);
        }
        return m;
    }

    private long cancel(long id) {
        lock.lock();
        try {
            Minute m = minutes.get(minuteOfId(id));
            int seq = seqOfId(id);
            if (m == null || partitionOfId(id) != partition || seq >= m.entries) {
                return UNKNOWN;
            }
            DelayBucket.Entry e = m.bucket.find(seq);
            if (e == null) {
                return UNKNOWN; // (only where the minute is incomplete: retired after the snapshot)
            }
            if (covered(e.dueMs(), id)) {
                return DELIVERED;
            }
            if (m.cancelled.get(seq)) {
                return CANCELLED;
            }
            if (m.bucket.cancelCount() <= m.cancels && !m.incomplete) {
                m.bucket.cancel(seq);
            }
            m.cancels++;
            m.cancelled.set(seq);
            pending--;
            return 0;
        } finally {
            lock.unlock();
        }
    }

    private boolean covered(long due, long id) {
        return due < markDue || (due == markDue && id <= markId);
    }

    /**
     * Applies a RELEASE: for each record (its due time and id), whether it is appended now: false when the mark
     * covers it already (released by an earlier RELEASE) or it was cancelled. The mark then moves to the last
     * record. {@code retireMinute} (-1: none) is a minute the leader found fully released or cancelled and over:
     * its files go and nothing is scheduled before its end again; ignored if it still holds a live entry.
     */
    public boolean[] applyRelease(long[] dues, long[] ids, long retireMinute) {
        lock.lock();
        try {
            boolean[] append = new boolean[ids.length];
            for (int i = 0; i < ids.length; i++) {
                Minute m = minutes.get(minuteOfId(ids[i]));
                int seq = seqOfId(ids[i]);
                if (m == null || seq >= m.entries || covered(dues[i], ids[i]) || m.cancelled.get(seq)) {
                    continue;
                }
                append[i] = true;
                pending--;
                markDue = dues[i];
                markId = ids[i];
            }
            if (retireMinute >= 0) {
                retire(retireMinute);
            }
            return append;
        } finally {
            lock.unlock();
        }
    }

    private void retire(long minute) {
        Minute m = minutes.get(minute);
        long end = (minute + 1) * DelayBucket.MINUTE_MS;
        if (m != null) {
            int[] live = {0};
            int limit = m.entries;
            m.bucket.scan((seq, due, pos) -> {
                if (seq < limit && !m.cancelled.get(seq) && !covered(due, idOf(minute, partition, seq))) {
                    live[0]++;
                }
            });
            if (live[0] > 0) {
                return; // scheduled into it after the leader looked (a clock that went back): released later
            }
            minutes.remove(minute);
            if (window != null && window.minute == m) {
                window = null;
            }
            m.bucket.delete();
        }
        floorMs = Math.max(floorMs, end);
    }

    // ---------------------------------------------------------------- the leader's side

    /**
     * Up to {@code max} records due at {@code now}, in (due, id) order, all of one minute, not yet released nor
     * cancelled as far as this replica applied its group's log. Read from the files; nothing is taken: the RELEASE
     * that commits them moves the mark.
     */
    public List<DueRecord> due(long now, int max) {
        lock.lock();
        try {
            if (!loadWindow(now)) {
                return List.of();
            }
            List<DueRecord> out = new ArrayList<>();
            for (long key : window.keys(now, max)) {
                int seq = (int) key;
                long position = window.positions[seq];
                DelayBucket.Entry e = position >= 0 ? window.minute.bucket.read(position)
                        : window.minute.bucket.find(seq);
                out.add(new DueRecord(e.dueMs(), idOf(window.minuteNumber, partition, seq), e.scheduledMs(), e.key(),
                        open(e)));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** A minute that is over and whose every entry is released or cancelled (-1: none): the leader retires it. */
    public long retirable(long now) {
        lock.lock();
        try {
            if (!loadWindow(now)) {
                return -1;
            }
            long end = (window.minuteNumber + 1) * DelayBucket.MINUTE_MS;
            return now >= end && window.keys(Long.MAX_VALUE, 1).isEmpty() ? window.minuteNumber : -1;
        } finally {
            lock.unlock();
        }
    }

    /** When the release thread should look again: the next due entry or minute ({@code Long.MAX_VALUE}: none). */
    public long nextDueMs(long now) {
        lock.lock();
        try {
            if (loadWindow(now)) {
                List<Long> next = window.keys(Long.MAX_VALUE, 1);
                return next.isEmpty() ? (window.minuteNumber + 1) * DelayBucket.MINUTE_MS
                        : window.start + (next.get(0) >>> 32);
            }
            Map.Entry<Long, Minute> first = minutes.firstEntry();
            return first == null ? Long.MAX_VALUE : first.getKey() * DelayBucket.MINUTE_MS;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the window (this replica stopped leading: only a leader releases). */
    public void dropWindow() {
        lock.lock();
        try {
            window = null;
        } finally {
            lock.unlock();
        }
    }

    private boolean loadWindow(long now) {
        if (window != null && minutes.get(window.minuteNumber) == window.minute) {
            return true;
        }
        window = null;
        Map.Entry<Long, Minute> first = minutes.firstEntry();
        if (first == null || first.getKey() * DelayBucket.MINUTE_MS > now) {
            return false;
        }
        window = new Window(first.getKey(), first.getValue());
        return true;
    }

    /** Records scheduled and neither released nor cancelled, as far as this replica applied its group's log. */
    public long pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The entries {@code [fromSeq, toSeq)} of a minute, for a replica that misses them (served by the leader); fewer
     * when they hold more than {@code maxBytes} (at least one).
     */
    public List<Entry> entries(long minute, int fromSeq, int toSeq, int maxBytes) {
        lock.lock();
        try {
            Minute m = minutes.get(minute);
            if (m == null) {
                return retired(minute) ? null : List.of();
            }
            List<Entry> out = new ArrayList<>();
            int limit = Math.min(toSeq, m.entries);
            List<Long> positions = new ArrayList<>();
            m.bucket.scan((seq, due, pos) -> {
                if (seq >= fromSeq && seq < limit) {
                    positions.add(pos);
                }
            });
            long bytes = 0;
            for (long p : positions) {
                DelayBucket.Entry e = m.bucket.read(p);
                bytes += 32 + (e.key() == null ? 0 : e.key().length) + e.value().length;
                if (!out.isEmpty() && bytes > maxBytes) {
                    break;
                }
                out.add(new Entry(e.seq(), e.dueMs(), e.scheduledMs(), e.key(), open(e)));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** True when {@code minute} was retired here: every entry released or cancelled, its files gone. */
    private boolean retired(long minute) {
        return floorMs >= (minute + 1) * DelayBucket.MINUTE_MS;
    }

    /** The cancels {@code [from, to)} of a minute, in the order they were applied (served by the leader). */
    public int[] cancels(long minute, int from, int to) {
        lock.lock();
        try {
            Minute m = minutes.get(minute);
            if (m == null) {
                return retired(minute) ? null : new int[0];
            }
            return m.bucket.cancelSeqs(from, Math.min(to, m.cancels));
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- snapshots

    /** True when there is nothing to put in a snapshot (no minute with records, nothing released yet). */
    public boolean isEmpty() {
        lock.lock();
        try {
            return minutes.isEmpty() && markId < 0 && floorMs == Long.MIN_VALUE;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The schedule's section of the partition group's snapshot: {@code i32 version (1) · i64 markDue · i64 markId ·
     * i64 floorMs · i64 pending · i32 minutes · minutes × (i64 minute · i32 entries · i32 cancels)}. The files are
     * forced first, since the commands below the snapshot leave the Raft log.
     */
    public void writeSnapshot(DataOutputStream out) throws IOException {
        lock.lock();
        try {
            out.writeInt(SNAPSHOT_VERSION);
            out.writeLong(markDue);
            out.writeLong(markId);
            out.writeLong(floorMs);
            out.writeLong(pending);
            out.writeInt(minutes.size());
            for (Map.Entry<Long, Minute> e : minutes.entrySet()) {
                e.getValue().bucket.force();
                out.writeLong(e.getKey());
                out.writeInt(e.getValue().entries);
                out.writeInt(e.getValue().cancels);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the applied state with a snapshot's ({@code in} null: a snapshot without a schedule, i.e. an empty
     * one). Entries the snapshot counts and this replica's files miss (it was stopped while the group compacted its
     * log) are copied from the leader ({@link #entrySource}).
     */
    public void readSnapshot(DataInputStream in) throws IOException {
        lock.lock();
        try {
            for (Minute m : minutes.values()) {
                m.bucket.close();
            }
            minutes.clear();
            window = null;
            if (in == null) {
                markDue = Long.MIN_VALUE;
                markId = -1;
                floorMs = Long.MIN_VALUE;
                pending = 0;
                return;
            }
            int version = in.readInt();
            if (version != SNAPSHOT_VERSION) {
                throw new IOException("schedule section version " + version);
            }
            markDue = in.readLong();
            markId = in.readLong();
            floorMs = in.readLong();
            pending = in.readLong();
            int n = in.readInt();
            if (n < 0) {
                throw new IOException(n + " minutes");
            }
            for (int i = 0; i < n; i++) {
                long minute = in.readLong();
                int entries = in.readInt();
                int cancels = in.readInt();
                createDirectory();
                DelayBucket b = DelayBucket.open(dir, minute);
                boolean complete = b.count() >= entries || copyMissing(b, minute, entries);
                if (complete && b.cancelCount() < cancels) {
                    complete = copyMissingCancels(b, minute, cancels);
                }
                Minute m = new Minute(b, entries, cancels, b.cancelled(cancels));
                m.incomplete = !complete;
                minutes.put(minute, m);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Copies the entries this replica's file misses; false when the leader retired the minute since. */
    private boolean copyMissing(DelayBucket b, long minute, int entries) throws IOException {
        EntrySource from = source;
        if (from == null) {
            throw new IOException(b + ": the snapshot counts " + entries + " entries and no leader to copy the rest "
                    + "from is known");
        }
        LOG.log(System.Logger.Level.INFO, "partition " + topic + "-" + partition + ": copying delayed entries "
                + b.count() + ".." + (entries - 1) + " of minute " + minute + " from the leader");
        while (b.count() < entries) {
            List<Entry> got = from.entries(minute, b.count(), Math.min(entries, b.count() + 1000));
            if (got == null) {
                LOG.log(System.Logger.Level.INFO, "partition " + topic + "-" + partition + ": minute " + minute
                        + " was retired on the leader since the snapshot; its entries are not copied");
                return false;
            }
            if (got.isEmpty()) {
                throw new IOException(b + ": the leader has no entry " + b.count() + " of minute " + minute);
            }
            for (Entry e : got) {
                if (e.seq() != b.count()) {
                    throw new IOException(b + ": the leader sent entry " + e.seq() + ", expected " + b.count());
                }
                b.append(e.dueMs(), e.scheduledMs(), topic, partition, e.key(),
                        seal(e.value(), e.dueMs(), e.scheduledMs(), e.key()));
            }
        }
        b.force();
        return true;
    }

    private boolean copyMissingCancels(DelayBucket b, long minute, int cancels) throws IOException {
        EntrySource from = source;
        if (from == null) {
            throw new IOException(b + ": the snapshot counts " + cancels + " cancels and no leader to copy the rest "
                    + "from is known");
        }
        LOG.log(System.Logger.Level.INFO, "partition " + topic + "-" + partition + ": copying "
                + (cancels - b.cancelCount()) + " delayed-delivery cancel(s) of minute " + minute + " from the leader");
        int[] seqs = from.cancels(minute, b.cancelCount(), cancels);
        if (seqs == null) {
            return false;
        }
        if (seqs.length != cancels - b.cancelCount()) {
            throw new IOException(b + ": the leader has " + seqs.length + " of the cancels " + b.cancelCount() + ".."
                    + (cancels - 1) + " of minute " + minute);
        }
        for (int seq : seqs) {
            b.cancel(seq);
        }
        return true;
    }

    // ---------------------------------------------------------------- files

    private byte[] seal(byte[] value, long due, long at, byte[] key) {
        return sealer == null ? value : sealer.seal(value, due, at, key);
    }

    private byte[] open(DelayBucket.Entry e) {
        return opener == null ? e.value() : opener.open(e.value(), e.dueMs(), e.scheduledMs(), e.key());
    }

    private void createDirectory() {
        try {
            if (!Files.isDirectory(dir)) {
                FileModes.createDirectories(dir);
                AtomicFile.fsyncDirectory(dir.getParent());
                EncryptionKeyIdFile.check(dir, cipher == null ? null : cipher.key());
            } else if (minutes.isEmpty()) {
                // a schedule written under another key, or sealed and now opened without one, fails here
                EncryptionKeyIdFile.check(dir, cipher == null ? null : cipher.key());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e, e);
        }
    }

    /** Removes this replica's schedule files (the partition's topic was deleted or its replica moved away). */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the delayed-delivery schedule " + dir + ": " + e);
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            for (Minute m : minutes.values()) {
                m.bucket.force();
                m.bucket.close();
            }
            window = null;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the window

    /**
     * The leader's view of the minute being released: one sorted {@code long} per entry that was live when the
     * window was read ({@code due offset in the minute << 32 | seq}), the file position of every entry, and the
     * entries scheduled into the minute since. Nothing is removed when records are proposed: entries the mark
     * covers or that were cancelled are skipped when next looked at.
     */
    private final class Window {
        final long minuteNumber;
        final Minute minute;
        final long start;
        private final long[] sorted;
        private int cursor;
        long[] positions;
        private final TreeSet<Long> late = new TreeSet<>();

        Window(long minuteNumber, Minute minute) {
            this.minuteNumber = minuteNumber;
            this.minute = minute;
            this.start = minuteNumber * DelayBucket.MINUTE_MS;
            int n = minute.entries;
            long[] keys = new long[n];
            positions = new long[Math.max(16, n)];
            int[] size = {0};
            minute.bucket.scan((seq, due, pos) -> {
                if (seq < n) {
                    positions[seq] = pos;
                    if (!minute.cancelled.get(seq) && !covered(due, idOf(minuteNumber, partition, seq))) {
                        keys[size[0]++] = (due - start) << 32 | seq;
                    }
                }
            });
            sorted = Arrays.copyOf(keys, size[0]);
            Arrays.sort(sorted);
        }

        void addLate(long due, int seq, long position) {
            if (seq >= positions.length) {
                positions = Arrays.copyOf(positions, Math.max(seq + 1, positions.length * 2));
            }
            positions[seq] = position;
            late.add((due - start) << 32 | seq);
        }

        private boolean gone(long key) {
            int seq = (int) key;
            return minute.cancelled.get(seq) || covered(start + (key >>> 32), idOf(minuteNumber, partition, seq));
        }

        /** Up to {@code max} live keys due at {@code now}, in order. */
        List<Long> keys(long now, int max) {
            while (cursor < sorted.length && gone(sorted[cursor])) {
                cursor++;
            }
            while (!late.isEmpty() && gone(late.first())) {
                late.pollFirst();
            }
            List<Long> out = new ArrayList<>();
            int i = cursor;
            Iterator<Long> l = late.iterator();
            long nextLate = l.hasNext() ? l.next() : Long.MAX_VALUE;
            while (out.size() < max) {
                long a = Long.MAX_VALUE;
                while (i < sorted.length && gone(sorted[i])) {
                    i++;
                }
                if (i < sorted.length) {
                    a = sorted[i];
                }
                while (nextLate != Long.MAX_VALUE && gone(nextLate)) {
                    nextLate = l.hasNext() ? l.next() : Long.MAX_VALUE;
                }
                long k = Math.min(a, nextLate);
                if (k == Long.MAX_VALUE || start + (k >>> 32) > now) {
                    break;
                }
                out.add(k);
                if (k == a) {
                    i++;
                } else {
                    nextLate = l.hasNext() ? l.next() : Long.MAX_VALUE;
                }
            }
            return out;
        }
    }
}
