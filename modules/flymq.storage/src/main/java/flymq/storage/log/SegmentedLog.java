package flymq.storage.log;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.CorruptRecordException;
import flymq.storage.LogConfig;
import flymq.storage.LogSlice;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageException;
import flymq.storage.StorageFaults;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import flymq.storage.SyncPolicy;
import flymq.storage.index.OffsetIndex;
import flymq.storage.record.BatchBuffer;
import flymq.storage.record.RecordCodec;
import flymq.storage.ValueCipher;
import flymq.storage.record.ExpiryStats;
import flymq.storage.segment.FileLogSlice;
import flymq.storage.segment.IndexMismatchException;
import flymq.storage.segment.LogSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;

/**
 * A partition log made of {@link LogSegment}s in one directory ({@code <topic>-<partition>}), plus its
 * {@link RecoveryCheckpoint}. Appends are serialised by one lock; readers work on a volatile, copy-on-write array of
 * segments and never take it. Segments deleted by retention while a reader uses them make the reader retry against
 * the new range (and fail with {@link OffsetOutOfRangeException} if its offset is gone).
 *
 * <p>Durability: {@link #flushedOffset} is the offset below which everything is fsynced. EVERY_BATCH appenders wait
 * for it to pass their batch (concurrent appenders share one fsync); INTERVAL relies on {@link #flush()} being called
 * periodically by the owner (the {@code LogStore}'s background thread); a roll fsyncs the sealed segment and the
 * directory (for the new segment's name) at once under EVERY_BATCH, otherwise at the next flush or
 * {@link #syncSealedSegments()} (housekeeping), before the flushed offset passes them. The recovery checkpoint is
 * written from {@link #flushedOffset} by {@link #checkpoint()} and on close. Retention unlinks expired segments
 * outside the append lock, so the write path never waits for the file system on their account.
 *
 * <p>Encryption at rest: with a {@link ValueCipher} every appended value is sealed (under the append lock, with the
 * log's one sealer), reads open them, and {@link #slice} hands out the records decrypted in the heap instead of a
 * zero-copy file region. Recovery and the indexes never need the key: they read only the plain framing.
 */
public final class SegmentedLog implements PartitionLog {

    private static final int MAX_READ_ATTEMPTS = 8;

    private final String topic;
    private final int partition;
    private final String name;
    private final Path dir;
    private final StorageListener listener;
    private final LongSupplier clock;
    private final RecoveryCheckpoint checkpoint;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final Object flushLock = new Object();
    private final Object checkpointLock = new Object();
    private final BatchBuffer batchBuffer = new BatchBuffer();
    /** Sealed segments whose data may not be on disk yet (rolled under INTERVAL or OS); forced by flushes. */
    private final ConcurrentLinkedQueue<LogSegment> unsynced = new ConcurrentLinkedQueue<>();
    /** A segment was created since the directory was last fsynced; synced before the flushed offset passes it. */
    private final AtomicBoolean directoryUnsynced = new AtomicBoolean();
    /** Held across a directory fsync, so a caller that finds nothing pending knows no fsync is still running. */
    private final Object directoryLock = new Object();
    private final ThreadLocal<CRC32C> crcs = ThreadLocal.withInitial(CRC32C::new);
    /** Null when the log is not encrypted. */
    private final ValueCipher cipher;
    /** Used under the append lock only. */
    private final ValueCipher.Sealer sealer;

    private volatile LogConfig config;
    private volatile Executor sealedSegmentSyncer;
    /** Run by the first append after each {@link #rearmUnsyncedSignal()}; null: none. */
    private volatile Runnable unsyncedSignal;
    private final AtomicBoolean unsyncedSignalled = new AtomicBoolean();
    private volatile StorageFaults faults = new StorageFaults(StorageListener.NONE);
    private volatile LogSegment[] segments;
    private volatile long startOffset;
    private volatile long endOffset;
    private volatile long flushedOffset;
    private long checkpointedOffset = -1;
    /** First offset a read found damaged ({@link LogSegment#damagedOffset()}), Long.MAX_VALUE if none. */
    private volatile long damagedOffset = Long.MAX_VALUE;
    private volatile String damage;
    private volatile boolean closed;

    private SegmentedLog(String topic, int partition, Path dir, LogConfig config, StorageListener listener,
                         LongSupplier clock, ValueCipher cipher) {
        this.topic = topic;
        this.partition = partition;
        this.name = topic + "-" + partition;
        this.dir = dir;
        this.config = config;
        this.listener = listener;
        this.clock = clock;
        this.checkpoint = new RecoveryCheckpoint(dir);
        this.cipher = cipher;
        this.sealer = cipher == null ? null : cipher.sealer();
    }

    /** Opens (creating or recovering) the log in {@code dir}. */
    public static SegmentedLog open(Path dir, String topic, int partition, LogConfig config,
                                    StorageListener listener, LongSupplier clock) {
        return open(dir, topic, partition, config, listener, clock, null);
    }

    /** As {@link #open(Path, String, int, LogConfig, StorageListener, LongSupplier)}, encrypted with {@code cipher}. */
    public static SegmentedLog open(Path dir, String topic, int partition, LogConfig config,
                                    StorageListener listener, LongSupplier clock, ValueCipher cipher) {
        Objects.requireNonNull(config, "config");
        SegmentedLog log = new SegmentedLog(topic, partition, dir, config, Objects.requireNonNull(listener), clock,
                cipher);
        var recoveryPoint = log.checkpoint.read();
        List<LogSegment> loaded = LogLoader.load(dir, log.name, recoveryPoint, indexCapacity(config),
                clock.getAsLong());
        log.segments = loaded.toArray(LogSegment[]::new);
        log.startOffset = loaded.get(0).baseOffset();
        log.endOffset = loaded.get(loaded.size() - 1).nextOffset();
        log.flushedOffset = log.endOffset; // recovery read it back from disk
        listener.segmentCountChanged(topic, partition, loaded.size());
        return log;
    }

    private static int indexCapacity(LogConfig config) {
        return (int) Math.min(1 << 20, config.segmentBytes() / OffsetIndex.INTERVAL_BYTES + 2);
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public int partition() {
        return partition;
    }

    public Path directory() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /** Applies new settings; they govern the next roll, flush and retention pass. */
    public void reconfigure(LogConfig newConfig) {
        this.config = Objects.requireNonNull(newConfig, "config");
    }

    // ---------------------------------------------------------------- writing

    @Override
    public long append(List<Record> batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("cannot append an empty batch to " + name);
        }
        return appendCounted(batch.size(), first -> batchBuffer.encode(batch, first, sealer));
    }

    @Override
    public long appendStored(ByteBuffer records, int count) {
        Objects.requireNonNull(records, "records");
        if (count <= 0) {
            throw new IllegalArgumentException("cannot append an empty batch to " + name);
        }
        if (sealer != null) {
            // each value is sealed as its record is encoded: this log takes the records themselves
            return append(storedRecords(records, count));
        }
        return appendCounted(count, first -> batchBuffer.copyStored(records, count, first));
    }

    /** The records of {@link #appendStored}'s bytes, checked as {@link BatchBuffer#copyStored} checks them. */
    private static List<Record> storedRecords(ByteBuffer records, int count) {
        ByteBuffer b = records.slice();
        List<Record> out = new ArrayList<>(count);
        int p = 0;
        for (int i = 0; i < count; i++) {
            int size = BatchBuffer.checkedSize(b, p, i, count);
            out.add(StoredRecordLayout.decode(b, p, RecordCodec.records()));
            p += size;
        }
        BatchBuffer.requireEnd(b, p, count);
        return out;
    }

    /** Appends what {@code encode} puts in the batch buffer for the given first offset; counts storage faults. */
    private long appendCounted(int count, java.util.function.LongConsumer encode) {
        try {
            long first = appendBatch(count, encode);
            faults.succeeded();
            return first;
        } catch (StorageException e) {
            if (!closed) {
                faults.failed("append to " + name, e);
            }
            throw e;
        }
    }

    private long appendBatch(int count, java.util.function.LongConsumer encode) {
        long first;
        long next;
        int bytes;
        appendLock.lock();
        try {
            ensureOpen();
            first = endOffset;
            encode.accept(first);
            bytes = batchBuffer.sizeInBytes();
            LogSegment active = active();
            LogConfig cfg = config;
            if (!active.isEmpty() && ((long) active.size() + bytes > cfg.segmentBytes()
                    || clock.getAsLong() - active.rollStartMs() >= cfg.segmentMs())) {
                active = roll();
            }
            active.append(batchBuffer, first);
            next = first + count;
            endOffset = next;
        } finally {
            appendLock.unlock();
        }
        listener.bytesWritten(topic, partition, bytes);
        if (config.syncPolicy() == SyncPolicy.EVERY_BATCH) {
            flushTo(next);
        }
        Runnable signal = unsyncedSignal;
        // a plain read first: every append after the first since a flush finds it set, without a write to it
        if (signal != null && !unsyncedSignalled.get() && !unsyncedSignalled.getAndSet(true)) {
            signal.run();
        }
        return first;
    }

    /**
     * Seals the active segment and starts a new one at endOffset (caller holds the append lock). Under EVERY_BATCH
     * the sealed segment is forced now (an appender may still be waiting for its batch in it); otherwise it is
     * queued for the next flush or housekeeping pass, so appends do not wait for its writeback.
     */
    private LogSegment roll() {
        LogSegment old = active();
        boolean syncNow = config.syncPolicy() == SyncPolicy.EVERY_BATCH;
        try {
            old.seal(syncNow);
        } catch (IOException e) {
            throw new StorageException("cannot seal " + old.logFile() + " while rolling " + name + ": " + e, e);
        }
        if (syncNow) {
            syncDirectory(); // the sealed segment's own name, if it was created under another policy
            raiseFlushedOffset(old.nextOffset());
        } else {
            unsynced.add(old);
            Executor syncer = sealedSegmentSyncer;
            if (syncer != null) {
                try {
                    syncer.execute(this::syncSealedSegmentsInBackground);
                } catch (RejectedExecutionException e) {
                    // the owner is shutting down: close() forces what is still unsynced
                }
            }
        }
        LogSegment fresh = LogSegment.create(dir, endOffset, indexCapacity(config), clock.getAsLong());
        directoryUnsynced.set(true);
        if (syncNow) {
            syncDirectory();
        }
        LogSegment[] current = segments;
        LogSegment[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = fresh;
        segments = grown;
        listener.segmentCountChanged(topic, partition, grown.length);
        return fresh;
    }

    @Override
    public void flush() {
        flushTo(endOffset);
    }

    /**
     * fsyncs the directory if a segment was created since the last time, so the new file's name is on disk before
     * the flushed offset (and the recovery point) can pass its base. Under EVERY_BATCH a roll calls this at once;
     * otherwise the next flush or housekeeping pass does, so an append never waits for a journal commit.
     */
    private void syncDirectory() {
        synchronized (directoryLock) {
            if (directoryUnsynced.getAndSet(false)) {
                try {
                    flymq.storage.AtomicFile.fsyncDirectory(dir);
                } catch (IOException e) {
                    directoryUnsynced.set(true);
                    throw new StorageException("cannot sync directory " + dir + " of " + name + ": " + e, e);
                }
            }
        }
    }

    /** Returns once everything below {@code target} is fsynced; one fsync serves every waiting appender. */
    private void flushTo(long target) {
        synchronized (flushLock) {
            if (flushedOffset >= target) {
                return;
            }
            for (int attempt = 0; ; attempt++) {
                long upTo = endOffset;
                forceUnsyncedSegments();
                LogSegment active = active();
                long t0 = System.nanoTime();
                try {
                    active.flush();
                } catch (ClosedChannelException e) {
                    active.reopenAfterInterrupt();
                    if (e instanceof java.nio.channels.ClosedByInterruptException) {
                        throw new StorageException("interrupted while syncing " + active.logFile(), e);
                    }
                    // retention rolled and deleted this segment, or close() sealed it: both synced it first
                    if (flushedOffset >= target) {
                        return;
                    }
                    if (closed || attempt > 3) {
                        throw new StorageException("cannot flush " + name + ": " + active.logFile() + " is closed");
                    }
                    continue;
                } catch (IOException e) {
                    throw new StorageException("cannot fsync " + active.logFile() + ": " + e, e);
                }
                listener.fsyncCompleted(System.nanoTime() - t0);
                syncDirectory();
                raiseFlushedOffset(upTo);
                return;
            }
        }
    }

    /** Forces every sealed-but-unsynced segment (ones deleted by retention meanwhile need nothing). */
    private void forceUnsyncedSegments() {
        LogSegment seg;
        while ((seg = unsynced.peek()) != null) {
            long t0 = System.nanoTime();
            try {
                seg.forceSealed();
                listener.fsyncCompleted(System.nanoTime() - t0);
            } catch (ClosedChannelException e) {
                if (seg.reopenAfterInterrupt()) {
                    throw new StorageException("interrupted while syncing " + seg.logFile(), e);
                }
            } catch (IOException e) {
                throw new StorageException("cannot fsync " + seg.logFile() + ": " + e, e);
            }
            unsynced.remove(seg);
        }
    }

    /**
     * Has each segment sealed under INTERVAL or OS forced on {@code executor} right after the roll (the owner's
     * background thread), rather than at the next flush or housekeeping pass: writeback then runs steadily beside
     * the appender, one segment at a time, instead of in bursts that stall it. Null restores the default.
     */
    public void syncSealedSegmentsWith(Executor executor) {
        this.sealedSegmentSyncer = executor;
    }

    /**
     * Has {@code signal} run on the appending thread by the first append after each {@link #rearmUnsyncedSignal()}
     * (and the first one after this call): the owner schedules one background flush then, instead of polling every
     * log every sync interval whether it has anything to flush (3,000 idle partition logs cost a sixth of a core
     * polled every 5 ms). Null stops the signal. The signal must not block.
     */
    public void signalUnsyncedWith(Runnable signal) {
        this.unsyncedSignal = signal;
        rearmUnsyncedSignal();
    }

    /** The next append signals again; call before flushing, so an append racing with the flush is not missed. */
    public void rearmUnsyncedSignal() {
        unsyncedSignalled.set(false);
    }

    /** Where failed and successful appends are reported (the owning store's tracker); by default nowhere. */
    public void reportFaultsTo(StorageFaults faults) {
        this.faults = Objects.requireNonNull(faults);
    }

    private void syncSealedSegmentsInBackground() {
        try {
            if (!closed) {
                syncSealedSegments();
            }
        } catch (RuntimeException e) {
            if (!closed) {
                System.getLogger(SegmentedLog.class.getName()).log(System.Logger.Level.WARNING,
                        "background sync of sealed segments of " + name + " failed (retried by housekeeping)", e);
            }
        }
    }

    /**
     * Forces segments sealed since the last flush and moves the flushed offset to the active segment's base:
     * what the housekeeping pass does for logs that are not flushed otherwise (SyncPolicy.OS).
     */
    public void syncSealedSegments() {
        synchronized (flushLock) {
            LogSegment active = active();
            forceUnsyncedSegments();
            syncDirectory();
            raiseFlushedOffset(active.baseOffset());
        }
    }

    private void raiseFlushedOffset(long offset) {
        synchronized (flushLock) {
            if (offset > flushedOffset) {
                flushedOffset = offset;
            }
        }
    }

    /** Everything below this offset is on disk. */
    public long flushedOffset() {
        return flushedOffset;
    }

    /**
     * Records the flushed offset as the recovery point (after forcing the active segment's indexes, which the
     * recovery point vouches for). Cheap when nothing new was flushed.
     */
    public void checkpoint() {
        synchronized (checkpointLock) {
            long point = flushedOffset;
            // a recovery point of 0 says what no file says (recovery scans from the start): an empty log writes none,
            // which spares each new partition a write, fsync, rename and directory fsync
            if (point <= checkpointedOffset || point == 0 || closed) {
                return;
            }
            active().flushIndexes();
            checkpoint.write(point);
            checkpointedOffset = point;
        }
    }

    // ---------------------------------------------------------------- retention

    /**
     * Deletes whole old segments beyond the retention limits: by time, segments whose newest record is older than
     * retentionMs, or all of whose records carry an expiry (TTL) that has passed (the active one is rolled first
     * when it qualifies too); by size, oldest segments while the rest stays at least retentionBytes. Only a run of
     * oldest segments goes, so the log stays contiguous: an all-expired segment after a live one waits for it.
     * Returns how many segments were deleted.
     */
    public int enforceRetention() {
        List<LogSegment> doomed = new ArrayList<>();
        appendLock.lock();
        try {
            if (closed) {
                return 0;
            }
            LogConfig cfg = config;
            long now = clock.getAsLong();
            LogSegment[] segs = segments;
            int k = 0;
            long cutoff = cfg.retentionMs() > 0 ? now - cfg.retentionMs() : Long.MIN_VALUE;
            while (k < segs.length && !segs[k].isEmpty()
                    && (segs[k].maxTimestamp() < cutoff || allExpired(segs[k], now))) {
                if (k == segs.length - 1) {
                    roll();
                    segs = segments;
                }
                k++;
            }
            if (cfg.retentionBytes() > 0) {
                long total = 0;
                for (int i = k; i < segs.length; i++) {
                    total += segs[i].size();
                }
                while (k < segs.length - 1 && total - segs[k].size() >= cfg.retentionBytes()) {
                    total -= segs[k].size();
                    k++;
                }
            }
            if (k == 0) {
                return 0;
            }
            LogSegment[] kept = Arrays.copyOfRange(segs, k, segs.length);
            startOffset = kept[0].baseOffset();
            segments = kept;
            doomed.addAll(Arrays.asList(segs).subList(0, k));
            listener.segmentCountChanged(topic, partition, kept.length);
        } finally {
            appendLock.unlock();
        }
        // Unlinking a segment whose pages are cached takes milliseconds: done outside the append lock, so appenders
        // never wait for it. Readers still holding a doomed segment see it closed and retry against the new start.
        try {
            for (LogSegment seg : doomed) {
                seg.delete();
            }
        } catch (IOException e) {
            throw new StorageException("cannot delete expired segments of " + name + " in " + dir + ": " + e, e);
        }
        return doomed.size();
    }

    /** Under the append lock (the active segment's expiries must not change during a scan). */
    private boolean allExpired(LogSegment seg, long now) {
        try {
            return seg.expiryStats().allExpired(seg.nextOffset() - seg.baseOffset(), now);
        } catch (IOException | RuntimeException e) {
            System.getLogger(SegmentedLog.class.getName()).log(System.Logger.Level.WARNING,
                    "{0}: cannot read the expiries of {1}; it is kept until its time or size limit: {2}", name,
                    seg.logFile(), e.toString());
            return false;
        }
    }

    @Override
    public long countExpired(long fromOffset, long toOffset, long nowMs) {
        long expired = 0;
        for (LogSegment seg : segments) {
            long base = seg.baseOffset();
            long next = seg.nextOffset();
            if (next <= fromOffset || base >= toOffset || base == next) {
                continue;
            }
            try {
                ExpiryStats stats = expiryStatsOf(seg);
                if (stats.noneExpired(nowMs)) {
                    continue;
                }
                if (fromOffset <= base && next <= toOffset && stats.allExpired(next - base, nowMs)) {
                    expired += next - base;
                } else {
                    expired += seg.countExpired(fromOffset, toOffset, nowMs);
                }
            } catch (ClosedChannelException e) {
                // deleted by retention meanwhile: its records are gone, none of them is lag any more
            } catch (IOException e) {
                throw new StorageException("cannot read the expiries of " + seg.logFile() + " of " + name + ": " + e,
                        e);
            }
        }
        return expired;
    }

    private ExpiryStats expiryStatsOf(LogSegment seg) throws IOException {
        LogSegment[] segs = segments;
        if (seg != segs[segs.length - 1]) {
            return seg.expiryStats();
        }
        appendLock.lock();
        try {
            return seg.expiryStats();
        } finally {
            appendLock.unlock();
        }
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<StoredRecord> read(long offset, int maxRecords, int maxBytes) {
        if (maxRecords <= 0) {
            throw new IllegalArgumentException("maxRecords must be > 0, got " + maxRecords);
        }
        boolean rebuilt = false;
        for (int attempt = 0; ; attempt++) {
            LogSegment seg = segmentFor(offset);
            if (seg == null) {
                return List.of();
            }
            List<StoredRecord> out = new ArrayList<>(Math.min(maxRecords, 1024));
            try {
                int bytes = seg.read(offset, maxRecords, maxBytes, out, crcs.get(),
                        cipher == null ? null : cipher.opener(name));
                listener.bytesRead(topic, partition, bytes);
                return out;
            } catch (IndexMismatchException e) {
                if (rebuilt) {
                    throw new CorruptRecordException(e.getMessage() + " (still after rebuilding the index)");
                }
                rebuildIndexes(seg);
                rebuilt = true;
            } catch (java.nio.channels.ClosedByInterruptException e) {
                seg.reopenAfterInterrupt();
                throw new StorageException("interrupted while reading offset " + offset + " of " + name, e);
            } catch (ClosedChannelException e) {
                if (!seg.reopenAfterInterrupt()) {
                    retryAfterClose(offset, attempt);
                }
            } catch (IOException e) {
                throw new StorageException("cannot read offset " + offset + " of " + name + " from "
                        + seg.logFile() + ": " + e, e);
            } finally {
                noteDamage(seg);
            }
        }
    }

    @Override
    public LogSlice slice(long offset, int maxBytes) {
        boolean rebuilt = false;
        for (int attempt = 0; ; attempt++) {
            LogSegment seg = segmentFor(offset);
            if (seg == null) {
                return FileLogSlice.empty(offset);
            }
            try {
                FileLogSlice slice = seg.slice(offset, maxBytes);
                listener.bytesRead(topic, partition, slice.sizeInBytes());
                return cipher == null ? slice : seg.decrypt(slice, cipher.opener(name), crcs.get());
            } catch (IndexMismatchException e) {
                if (rebuilt) {
                    throw new CorruptRecordException(e.getMessage() + " (still after rebuilding the index)");
                }
                rebuildIndexes(seg);
                rebuilt = true;
            } catch (java.nio.channels.ClosedByInterruptException e) {
                seg.reopenAfterInterrupt();
                throw new StorageException("interrupted while reading offset " + offset + " of " + name, e);
            } catch (ClosedChannelException e) {
                if (!seg.reopenAfterInterrupt()) {
                    retryAfterClose(offset, attempt);
                }
            } catch (IOException e) {
                throw new StorageException("cannot slice offset " + offset + " of " + name + " from "
                        + seg.logFile() + ": " + e, e);
            } finally {
                noteDamage(seg);
            }
        }
    }

    /**
     * The segment holding {@code offset}, or null when offset == endOffset.
     *
     * @throws OffsetOutOfRangeException outside [startOffset, endOffset]
     */
    private LogSegment segmentFor(long offset) {
        ensureOpen();
        long end = endOffset;
        LogSegment[] segs = segments;
        long start = startOffset;
        if (offset < start || offset > end || offset < segs[0].baseOffset()) {
            throw new OffsetOutOfRangeException(name, offset, Math.max(start, segs[0].baseOffset()), end);
        }
        if (offset == end) {
            return null;
        }
        long damaged = damagedOffset;
        if (offset >= damaged && damaged >= start) {
            throw new CorruptRecordException("offset " + offset + " of " + name + " is not served, it lies at or "
                    + "after damage: " + damage);
        }
        int lo = 0;
        int hi = segs.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segs[mid].baseOffset() <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return segs[lo];
    }

    /** Takes note of damage a read found in {@code seg}, so reads of later segments are fenced off too. */
    private void noteDamage(LogSegment seg) {
        long found = seg.damagedOffset();
        if (found < damagedOffset) {
            synchronized (checkpointLock) {
                if (found < damagedOffset) {
                    damage = seg.damage();
                    damagedOffset = found;
                }
            }
        }
    }

    private void retryAfterClose(long offset, int attempt) {
        ensureOpen();
        if (offset < startOffset) {
            throw new OffsetOutOfRangeException(name, offset, startOffset, endOffset);
        }
        if (attempt >= MAX_READ_ATTEMPTS) {
            throw new StorageException("cannot read offset " + offset + " of " + name
                    + ": its segment keeps being closed under the reader");
        }
    }

    private void rebuildIndexes(LogSegment seg) {
        appendLock.lock();
        try {
            ensureOpen();
            seg.rebuildIndexes(seg != active());
        } catch (IOException e) {
            throw new StorageException("cannot rebuild indexes of " + seg.logFile() + ": " + e, e);
        } finally {
            appendLock.unlock();
        }
    }

    @Override
    public long offsetForTimestamp(long timestampMs) {
        ensureOpen();
        long start = startOffset;
        for (LogSegment seg : segments) {
            if (seg.maxTimestamp() < timestampMs) {
                continue;
            }
            try {
                long found;
                try {
                    found = seg.offsetForTimestamp(timestampMs);
                } catch (IndexMismatchException e) {
                    rebuildIndexes(seg);
                    found = seg.offsetForTimestamp(timestampMs);
                }
                if (found >= start) {
                    return found;
                }
            } catch (ClosedChannelException e) {
                if (seg.reopenAfterInterrupt()) {
                    throw new StorageException("interrupted while searching " + seg.logFile() + " for timestamp "
                            + timestampMs, e);
                }
                // deleted by retention meanwhile: its records are gone, look further
            } catch (IOException e) {
                throw new StorageException("cannot search " + seg.logFile() + " for timestamp " + timestampMs
                        + ": " + e, e);
            }
        }
        return endOffset;
    }

    @Override
    public long startOffset() {
        return startOffset;
    }

    @Override
    public long endOffset() {
        return endOffset;
    }

    @Override
    public long sizeInBytes() {
        long total = 0;
        for (LogSegment seg : segments) {
            total += seg.size();
        }
        return total;
    }

    @Override
    public int segmentCount() {
        return segments.length;
    }

    private LogSegment active() {
        LogSegment[] segs = segments;
        return segs[segs.length - 1];
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void close() {
        appendLock.lock();
        try {
            if (closed) {
                return;
            }
            LogSegment active = active();
            active.seal();
            synchronized (flushLock) {
                forceUnsyncedSegments();
                syncDirectory();
            }
            raiseFlushedOffset(endOffset);
            synchronized (checkpointLock) {
                checkpoint.write(endOffset);
                checkpointedOffset = endOffset;
                closed = true;
            }
            for (LogSegment seg : segments) {
                seg.close();
            }
        } catch (IOException e) {
            throw new StorageException("cannot close " + name + " in " + dir + ": " + e, e);
        } finally {
            closed = true;
            appendLock.unlock();
        }
    }

    /** Closes without sealing or checkpointing, as a crash would leave the files (tests of recovery use it). */
    public void abandon() {
        appendLock.lock();
        try {
            closed = true;
            for (LogSegment seg : segments) {
                seg.close();
            }
        } catch (IOException e) {
            throw new StorageException("cannot close " + name + ": " + e, e);
        } finally {
            appendLock.unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("log " + name + " in " + dir + " is closed");
        }
    }

    @Override
    public String toString() {
        return "SegmentedLog[" + name + ", offsets " + startOffset + ".." + endOffset + ", " + segments.length
                + " segments]";
    }
}
