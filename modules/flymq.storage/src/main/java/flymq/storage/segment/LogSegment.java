package flymq.storage.segment;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.AtomicFile;
import flymq.storage.CorruptRecordException;
import flymq.storage.FileModes;
import flymq.storage.StorageException;
import flymq.storage.StoredRecord;
import flymq.storage.index.OffsetIndex;
import flymq.storage.index.TimeIndex;
import flymq.storage.record.BatchBuffer;
import flymq.storage.record.ExpiryStats;
import flymq.storage.record.RecordCodec;
import flymq.storage.ValueCipher;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * One segment of a partition log: the records from {@code baseOffset} up to the next segment's base offset.
 *
 * <h2>Files</h2>
 * Three files share the 20-digit, zero-padded base offset as their name ({@code 00000000000000001234.log}, so a
 * directory listing sorts by offset):
 * <ul>
 *   <li>{@code .log} - the records, in the format owned by {@link RecordCodec};</li>
 *   <li>{@code .index} - the sparse offset index, format owned by {@link OffsetIndex};</li>
 *   <li>{@code .timeindex} - the timestamp index, format owned by {@link TimeIndex};</li>
 *   <li>{@code .expiring} - an empty marker, created (and its directory entry fsynced) before the first record that
 *       carries an expiry (TTL) is written to the segment. A segment without it holds no expiring record, so
 *       retention and lag know that without reading it; one with it is scanned once, when retention or lag first
 *       asks ({@link #expiryStats}), and kept up to date by appends after that. A marker lost to a power failure
 *       only makes the segment look expiry-free: retention then keeps it until its time or size limit, and lag
 *       counts its expired records; reads still hide them, since each record carries its own expiry.</li>
 * </ul>
 *
 * <h2>Concurrency</h2>
 * One writer at a time (the log's append lock) appends with positional writes past {@link #size()} and then
 * publishes the new size and next offset through volatile fields (size first). Readers take no lock: they read the
 * next offset, then the size, and never look past that size, so they see only whole records while the writer is
 * already writing the next batch. The indexes publish their entries the same way.
 *
 * <h2>Damage found by reads</h2>
 * Recovery CRC-checks only what follows the recovery point, so bit rot in older records is found by the first read
 * that reaches it (reads CRC-check every record they decode; index walks check framing and offsets). That read
 * stops before the damaged record, or fails with {@link CorruptRecordException} naming this file, the position and
 * the offset if the damaged record is the first one asked for. The segment then remembers the damage
 * ({@link #damagedOffset()}): later reads and slices end before it and fail at or after it, so no record after a
 * known damaged one is ever served (the log applies the same fence to later segments). Before any read has reached
 * the damage, a read that starts after it is served (each record it returns passes its own CRC); finding it sooner
 * would cost a scan of the whole log on open.
 *
 * <p>Recovery decisions (what to trust, where to truncate) are made by {@code LogLoader}; this class provides the
 * primitives: {@link #openIndexes}, {@link #verifyTail}, {@link #recover}, {@link #truncateTo},
 * {@link #timeIndexProblem}.
 */
public final class LogSegment {

    /** Covers an index interval plus a typical record, so a lookup usually costs one read. */
    private static final int WALK_WINDOW = OffsetIndex.INTERVAL_BYTES + 4096;
    private static final int SCAN_CHUNK = 1 << 20;

    private final Path dir;
    private final long baseOffset;
    private final Path logFile;
    private volatile FileChannel channel;
    private volatile boolean closedForGood;
    private volatile OffsetIndex index;
    private volatile TimeIndex timeIndex;
    private volatile int size;
    private volatile long nextOffset;
    private volatile long maxTimestamp = Long.MIN_VALUE;
    /** Offset of the first record a read found damaged (Long.MAX_VALUE: none found), and where it starts. */
    private volatile long damagedOffset = Long.MAX_VALUE;
    private volatile long damagedPosition = Long.MAX_VALUE;
    private volatile String damage;
    private int lastIndexedPosition;
    private final long rollStartMs;
    /** The expiries of the visible records; null until scanned (a segment opened with a {@code .expiring} marker). */
    private volatile ExpiryStats expiry;
    private volatile boolean expiringMarked;
    private final Object expiryScan = new Object();

    private LogSegment(Path dir, long baseOffset, FileChannel channel, long rollStartMs) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.logFile = dir.resolve(fileName(baseOffset, ".log"));
        this.channel = channel;
        this.rollStartMs = rollStartMs;
        this.nextOffset = baseOffset;
    }

    /** {@code 00000000000000001234.log} for base 1234 and suffix ".log". */
    public static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    /** Creates a new, empty segment (its files must not exist yet; stale index files are replaced). */
    public static LogSegment create(Path dir, long baseOffset, int indexCapacity, long nowMs) {
        Path log = dir.resolve(fileName(baseOffset, ".log"));
        try {
            Files.deleteIfExists(dir.resolve(fileName(baseOffset, ".index")));
            Files.deleteIfExists(dir.resolve(fileName(baseOffset, ".timeindex")));
            FileChannel ch = FileModes.open(log, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            LogSegment seg = new LogSegment(dir, baseOffset, ch, nowMs);
            Files.deleteIfExists(seg.expiringMarkerFile());
            seg.expiry = ExpiryStats.NONE;
            seg.index = OffsetIndex.open(seg.indexFile(), baseOffset, 0, indexCapacity);
            seg.timeIndex = TimeIndex.open(seg.timeIndexFile(), baseOffset, 0, indexCapacity);
            return seg;
        } catch (IOException e) {
            throw new StorageException("cannot create segment " + log + ": " + e, e);
        }
    }

    /** Opens an existing .log; the caller then opens or rebuilds the indexes (see {@code LogLoader}). */
    public static LogSegment openExisting(Path dir, long baseOffset, long nowMs) {
        Path log = dir.resolve(fileName(baseOffset, ".log"));
        try {
            FileChannel ch = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE);
            LogSegment seg = new LogSegment(dir, baseOffset, ch, nowMs);
            seg.size = (int) Math.min(ch.size(), Integer.MAX_VALUE);
            seg.expiringMarked = Files.exists(seg.expiringMarkerFile());
            seg.expiry = seg.expiringMarked ? null : ExpiryStats.NONE;
            return seg;
        } catch (IOException e) {
            throw new StorageException("cannot open segment " + log + ": " + e, e);
        }
    }

    public long baseOffset() {
        return baseOffset;
    }

    public Path logFile() {
        return logFile;
    }

    public Path indexFile() {
        return dir.resolve(fileName(baseOffset, ".index"));
    }

    public Path timeIndexFile() {
        return dir.resolve(fileName(baseOffset, ".timeindex"));
    }

    public Path expiringMarkerFile() {
        return dir.resolve(fileName(baseOffset, ".expiring"));
    }

    /** Bytes of whole records visible to readers. */
    public int size() {
        return size;
    }

    /** Offset after the last visible record. */
    public long nextOffset() {
        return nextOffset;
    }

    public boolean isEmpty() {
        return nextOffset == baseOffset;
    }

    /** Greatest record timestamp, Long.MIN_VALUE when empty. */
    public long maxTimestamp() {
        return maxTimestamp;
    }

    /** Wall-clock time from which this segment's age (for rolling) is counted: creation or open. */
    public long rollStartMs() {
        return rollStartMs;
    }

    // ---------------------------------------------------------------- writing (under the log's append lock)

    /** Writes the encoded batch with one positional write and indexes it; {@code firstOffset} must be next. */
    public void append(BatchBuffer batch, long firstOffset) {
        if (firstOffset != nextOffset) {
            throw new IllegalStateException(logFile + ": append at offset " + firstOffset + " but next is "
                    + nextOffset);
        }
        int start = size;
        ByteBuffer buf = batch.buffer();
        ExpiryStats batchExpiry = batch.expiry();
        if (batchExpiry.expiring() > 0 && !expiringMarked) {
            markExpiring();
        }
        try {
            while (buf.hasRemaining()) {
                channel.write(buf, start + buf.position());
            }
        } catch (IOException e) {
            if (e instanceof java.nio.channels.ClosedChannelException) {
                reopenAfterInterrupt();
            }
            throw new StorageException("cannot append " + batch.count() + " records (" + batch.sizeInBytes()
                    + " bytes) at offset " + firstOffset + " to " + logFile + ": " + e, e);
        }
        long maxTs = maxTimestamp;
        for (int i = 0, n = batch.count(); i < n; i++) {
            int pos = start + batch.position(i);
            maxTs = Math.max(maxTs, batch.timestamp(i));
            if (pos - lastIndexedPosition >= OffsetIndex.INTERVAL_BYTES) {
                index.append(firstOffset + i, pos);
                timeIndex.maybeAppend(maxTs, firstOffset + i);
                lastIndexedPosition = pos;
            }
        }
        maxTimestamp = maxTs;
        ExpiryStats known = expiry;
        if (known != null) {
            expiry = known.plus(batchExpiry);
        }
        size = start + batch.sizeInBytes();
        nextOffset = firstOffset + batch.count();
    }

    private void markExpiring() {
        Path marker = expiringMarkerFile();
        try {
            if (!Files.exists(marker)) {
                FileModes.open(marker, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                AtomicFile.fsyncDirectory(dir);
            }
        } catch (IOException e) {
            throw new StorageException("cannot create " + marker + " before the first expiring record of "
                    + logFile + ": " + e, e);
        }
        expiringMarked = true;
    }

    // ---------------------------------------------------------------- expiry (TTL)

    /**
     * The expiries of the segment's visible records, scanning the segment the first time for a segment opened with
     * a {@code .expiring} marker. The caller holds the log's append lock for the active segment (a scan must not
     * race an append); a sealed segment needs no lock.
     */
    public ExpiryStats expiryStats() throws IOException {
        ExpiryStats known = expiry;
        if (known != null) {
            return known;
        }
        synchronized (expiryScan) {
            if (expiry == null) {
                ExpiryStats[] stats = {ExpiryStats.NONE};
                if (!isEmpty()) {
                    walkExpiries(baseOffset, nextOffset, e -> stats[0] = stats[0].plus(e));
                }
                expiry = stats[0];
            }
            return expiry;
        }
    }

    /** How many records of {@code [fromOffset, toOffset)} (within this segment) are expired at {@code nowMs}. */
    public long countExpired(long fromOffset, long toOffset, long nowMs) throws IOException {
        long from = Math.max(fromOffset, baseOffset);
        long to = Math.min(toOffset, nextOffset);
        if (from >= to) {
            return 0;
        }
        long[] count = {0};
        walkExpiries(from, to, e -> {
            if (StoredRecordLayout.isExpired(e, nowMs)) {
                count[0]++;
            }
        });
        return count[0];
    }

    /** Hands the expiry of every record of {@code [fromOffset, toOffset)} to {@code sink}; reads headers only. */
    private void walkExpiries(long fromOffset, long toOffset, LongConsumer sink)
            throws IOException {
        int limit = visibleLimitFor(fromOffset);
        Walker w = new Walker(limit);
        long pos = positionOf(fromOffset, w);
        for (long off = fromOffset; off < toOffset && pos < limit; off++) {
            int length = w.length(pos);
            byte attributes = w.header(pos, StoredRecordLayout.ATTRIBUTES_POS + 1)
                    .get(w.at(pos) + StoredRecordLayout.ATTRIBUTES_POS);
            if ((attributes & StoredRecordLayout.ATTR_EXPIRES) != 0) {
                long last = pos + 4 + length - 8;
                sink.accept(w.header(last, 8).getLong(w.at(last)));
            } else {
                sink.accept(StoredRecordLayout.NO_EXPIRY);
            }
            pos += 4 + length;
        }
    }

    /** fsyncs the .log data. */
    public void flush() throws IOException {
        channel.force(false);
    }

    /** Forces the memory-mapped indexes to disk (before a recovery checkpoint that trusts them). */
    public void flushIndexes() {
        index.force();
        timeIndex.force();
    }

    /**
     * Makes the segment read-only on disk: records its greatest timestamp in the time index, cuts both indexes to
     * their entries and forces everything (the .log included). Called on roll and close.
     */
    public void seal() throws IOException {
        seal(true);
    }

    /**
     * As {@link #seal()}; with {@code force == false} nothing is forced yet and the caller must call
     * {@link #forceSealed()} later (a background thread does, so a roll does not wait for 64 MiB of writeback).
     */
    public void seal(boolean force) throws IOException {
        if (!isEmpty()) {
            timeIndex.maybeAppend(maxTimestamp, nextOffset - 1);
        }
        index.trim();
        timeIndex.trim();
        if (force) {
            forceSealed();
        }
    }

    /** Forces a sealed segment's .log and indexes to disk. */
    public void forceSealed() throws IOException {
        channel.force(true);
        index.force();
        timeIndex.force();
    }

    public void close() throws IOException {
        synchronized (this) {
            closedForGood = true;
        }
        channel.close();
    }

    /**
     * An interrupt of any thread using a FileChannel closes it for every thread. If that is what happened (the
     * segment was not closed on purpose), opens the .log again and returns true; false once closed or deleted.
     */
    public boolean reopenAfterInterrupt() {
        synchronized (this) {
            if (closedForGood) {
                return false;
            }
            if (!channel.isOpen()) {
                try {
                    channel = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (IOException e) {
                    throw new StorageException("cannot reopen " + logFile + " after an interrupt closed it: " + e, e);
                }
            }
            return true;
        }
    }

    /** Closes the segment and deletes its three files. */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(logFile);
        index.delete();
        timeIndex.delete();
        Files.deleteIfExists(expiringMarkerFile());
    }

    // ---------------------------------------------------------------- reading (lock-free)

    /**
     * Reads records from {@code offset} (which must be below {@link #nextOffset()}) into {@code out}: at most
     * {@code maxRecords}, and records past the first only while the total stays within {@code maxBytes}.
     *
     * @return bytes of records read
     */
    public int read(long offset, int maxRecords, int maxBytes, List<StoredRecord> out, CRC32C crc)
            throws IOException {
        return read(offset, maxRecords, maxBytes, out, crc, null);
    }

    /**
     * As {@link #read(long, int, int, List, CRC32C)}, opening sealed values with {@code opener} (null: the log is
     * not encrypted, and a sealed value fails with {@link flymq.storage.EncryptionException}).
     */
    public int read(long offset, int maxRecords, int maxBytes, List<StoredRecord> out, CRC32C crc,
                    ValueCipher.Opener opener) throws IOException {
        int limit = visibleLimitFor(offset);
        Walker w = new Walker(limit);
        long pos = positionOf(offset, w);
        int first;
        try {
            first = w.length(pos);
        } catch (CorruptRecordException e) {
            throw markDamaged(pos, offset, "impossible record length");
        }
        // Read about maxBytes, but not far more than maxRecords records like the first would need.
        long guess = Math.max(4L + first, 2L * maxRecords * (4L + first));
        int want = (int) Math.min(limit - pos, Math.max(Math.min((long) maxBytes, guess), 4L + first));
        ByteBuffer buf;
        int base;
        if (w.covers(pos, want)) {
            buf = w.window; // the walk already read these bytes: no second read
            base = w.at(pos);
        } else {
            buf = ByteBuffer.allocate(want);
            readFully(buf, pos);
            base = 0;
        }
        int p = base;
        int end = base + want;
        long expected = offset;
        int added = 0;
        while (added < maxRecords && p + 4 <= end) {
            int length = buf.getInt(p);
            if (length >= 0 && p + 4L + length > end) {
                break; // does not fit in maxBytes: the next read starts here
            }
            String problem = RecordCodec.validate(buf, p, crc);
            if (problem == null && buf.getLong(p + StoredRecordLayout.OFFSET_POS) != expected) {
                problem = "record carries offset " + buf.getLong(p + StoredRecordLayout.OFFSET_POS);
            }
            if (problem != null) {
                CorruptRecordException e = markDamaged(pos + p - base, expected, problem);
                if (added == 0) {
                    throw e;
                }
                break;
            }
            out.add(RecordCodec.decode(buf, p, opener, logFile.toString()));
            added++;
            expected++;
            p += 4 + length;
        }
        return p - base;
    }

    /**
     * A zero-copy slice of whole records from {@code offset} (below {@link #nextOffset()}), at most maxBytes unless
     * the first record alone is larger.
     */
    public FileLogSlice slice(long offset, int maxBytes) throws IOException {
        int limit = visibleLimitFor(offset);
        long start = positionOf(offset, limit);
        long end = Math.min(limit, start + Math.max(0, (long) maxBytes));
        // Walk from the last indexed record before the end rather than from the start.
        long pos = start;
        long off = offset;
        int i = index.floorEntryForPosition(end);
        if (i >= 0 && index.positionAt(i) > start) {
            pos = index.positionAt(i);
            off = index.offsetAt(i);
        }
        Walker w = new Walker(limit);
        w.checkEntry(pos, off);
        while (pos < end) {
            int length = w.length(pos);
            if (pos + 4 + length > end) {
                break;
            }
            pos += 4 + length;
            off++;
        }
        if (off == offset) {
            // The first record alone is larger than maxBytes: hand it out whole.
            pos = start + 4 + w.length(start);
            off = offset + 1;
        }
        return new FileLogSlice(channel, logFile, start, pos - start, offset, off);
    }

    /**
     * The records of {@code slice} (one of this segment's) with their sealed values opened, in the heap: the slice an
     * encrypted log serves instead of a zero-copy one, since a file region can only be sent as it lies. Each record
     * is CRC-checked on the way, as {@link #read} does; damage stops the slice before it (or fails, when it is the
     * first record). Plain records among them (written before encryption was turned on) are copied as they are.
     */
    public HeapLogSlice decrypt(FileLogSlice slice, ValueCipher.Opener opener, CRC32C crc) throws IOException {
        int size = Math.toIntExact(slice.sizeInBytes());
        ByteBuffer in = ByteBuffer.allocate(size);
        readFully(in, slice.position());
        ByteBuffer out = ByteBuffer.allocate(size); // opened values are shorter than sealed ones
        int p = 0;
        long expected = slice.firstOffset();
        while (p < size) {
            String problem = size - p < 4 ? "truncated record" : RecordCodec.validate(in, p, crc);
            if (problem == null && StoredRecordLayout.offsetAt(in, p) != expected) {
                problem = "record carries offset " + StoredRecordLayout.offsetAt(in, p);
            }
            if (problem != null) {
                CorruptRecordException e = markDamaged(slice.position() + p, expected, problem);
                if (expected == slice.firstOffset()) {
                    throw e;
                }
                break;
            }
            int length = StoredRecordLayout.sizeAt(in, p);
            if ((StoredRecordLayout.attributesAt(in, p) & StoredRecordLayout.ATTR_ENCRYPTED) == 0) {
                out.put(in.slice(p, length));
            } else {
                openRecord(in.array(), p, length, out, opener, crc);
            }
            p += length;
            expected++;
        }
        return new HeapLogSlice(out.flip(), slice.firstOffset(), expected);
    }

    /**
     * Writes the validated sealed record {@code in[p, p + length)} to {@code out} (a heap buffer) as the plain record:
     * the same fields with the value opened straight into {@code out}, the length shorter by the envelope, bit 0x08
     * cleared and the CRC computed again. No object per record: this is the consume path of an encrypted log.
     */
    private void openRecord(byte[] in, int p, int length, ByteBuffer out, ValueCipher.Opener opener, CRC32C crc) {
        ByteBuffer r = ByteBuffer.wrap(in);
        int keyLength = r.getInt(p + StoredRecordLayout.KEY_LENGTH_POS);
        int keyStart = p + StoredRecordLayout.HEADER_SIZE;
        int valueLengthPos = keyStart + Math.max(keyLength, 0);
        int sealedLength = r.getInt(valueLengthPos);
        int sealedStart = valueLengthPos + 4;
        int restStart = sealedStart + sealedLength; // headers, then the expiry when there is one
        int restLength = p + length - restStart;
        int q = out.position();
        byte[] o = out.array();
        int head = valueLengthPos - p;
        System.arraycopy(in, p, o, q, head);
        int plainLength = opener.openInto(in, sealedStart, sealedLength, r.getLong(p + StoredRecordLayout.OFFSET_POS),
                r.getLong(p + StoredRecordLayout.TIMESTAMP_POS), in, keyStart, Math.max(keyLength, 0), o,
                q + head + 4);
        out.putInt(q + head, plainLength);
        System.arraycopy(in, restStart, o, q + head + 4 + plainLength, restLength);
        int size = head + 4 + plainLength + restLength;
        out.putInt(q, size - StoredRecordLayout.LENGTH_SIZE);
        o[q + StoredRecordLayout.ATTRIBUTES_POS] &= (byte) ~StoredRecordLayout.ATTR_ENCRYPTED;
        out.putInt(q + StoredRecordLayout.CRC_POS,
                StoredRecordLayout.computeCrc(out, q, size - StoredRecordLayout.LENGTH_SIZE, crc));
        out.position(q + size);
    }

    /** First offset in this segment whose timestamp >= {@code timestamp}, or -1 if there is none. */
    public long offsetForTimestamp(long timestamp) throws IOException {
        long next = nextOffset;
        if (maxTimestamp < timestamp) {
            return -1;
        }
        TimeIndex tidx = timeIndex;
        int entry = tidx.floorEntryBefore(timestamp);
        long offset = entry < 0 ? baseOffset : tidx.offsetAt(entry) + 1;
        if (offset >= next) {
            if (entry >= 0 && offset > next) {
                throw new IndexMismatchException(tidx.file() + ": entry " + entry + " (timestamp "
                        + tidx.timestampAt(entry) + ", offset " + (offset - 1) + ") lies past the end of " + logFile
                        + " (next offset " + next + ")");
            }
            return -1;
        }
        int limit = visibleLimitFor(offset);
        Walker w = new Walker(limit);
        if (entry >= 0) {
            // The entry promises every record up to its offset is older than its timestamp (< the target): check
            // that promise on its own record, which the walk below reads anyway, before skipping what precedes it.
            long entryOffset = offset - 1;
            long entryPos = positionOf(entryOffset, w);
            long found = w.header(entryPos, StoredRecordLayout.KEY_LENGTH_POS)
                    .getLong(w.at(entryPos) + StoredRecordLayout.TIMESTAMP_POS);
            if (found > tidx.timestampAt(entry)) {
                throw new IndexMismatchException(tidx.file() + ": entry " + entry + " says records up to offset "
                        + entryOffset + " are at most timestamp " + tidx.timestampAt(entry) + ", but that record in "
                        + logFile + " has timestamp " + found);
            }
        }
        long pos = positionOf(offset, w);
        while (pos < limit) {
            ByteBuffer h = w.header(pos, StoredRecordLayout.KEY_LENGTH_POS);
            if (h.getLong(w.at(pos) + StoredRecordLayout.TIMESTAMP_POS) >= timestamp) {
                return h.getLong(w.at(pos) + StoredRecordLayout.OFFSET_POS);
            }
            pos += 4 + w.length(pos);
        }
        return -1;
    }

    private int visibleLimitFor(long offset) {
        long next = nextOffset;
        int limit = size;
        if (offset < baseOffset || offset >= next) {
            throw new IllegalArgumentException(logFile + ": offset " + offset + " is not in [" + baseOffset + ", "
                    + next + ")");
        }
        if (offset >= damagedOffset) {
            throw new CorruptRecordException("offset " + offset + " is not served, it lies at or after damage: "
                    + damage);
        }
        return (int) Math.min(limit, damagedPosition);
    }

    /**
     * Offset of the first record a read has found damaged in this segment, or Long.MAX_VALUE. From then on reads and
     * slices end before it, and a read or slice at or after it fails with {@link CorruptRecordException}.
     */
    public long damagedOffset() {
        return damagedOffset;
    }

    /** The {@link CorruptRecordException} message for the damage behind {@link #damagedOffset()}, or null. */
    public String damage() {
        return damage;
    }

    private CorruptRecordException markDamaged(long pos, long offset, String problem) {
        CorruptRecordException e = corrupt(pos, offset, problem);
        synchronized (this) {
            if (offset < damagedOffset) {
                damage = e.getMessage();
                damagedPosition = pos;
                damagedOffset = offset; // last: readers check it first, then use the position
            }
        }
        return e;
    }

    /** Exact .log position of the record at {@code offset}: index lookup, then a forward walk over headers. */
    long positionOf(long offset, int limit) throws IOException {
        return positionOf(offset, new Walker(limit));
    }

    private long positionOf(long offset, Walker w) throws IOException {
        OffsetIndex idx = index;
        int i = idx.floorEntryForOffset(offset);
        long pos = i < 0 ? 0 : idx.positionAt(i);
        long off = i < 0 ? baseOffset : idx.offsetAt(i);
        int limit = w.limit;
        if (i >= 0) {
            w.checkEntry(pos, off);
        }
        while (off < offset) {
            int length;
            try {
                length = w.length(pos);
            } catch (CorruptRecordException e) {
                throw markDamaged(pos, off, "impossible record length on the way to offset " + offset);
            }
            pos += 4 + length;
            off++;
            if (pos >= limit) {
                throw corrupt(pos, off, "walk to offset " + offset + " ran past the end of the data (" + limit
                        + " bytes)");
            }
            long found = w.header(pos, StoredRecordLayout.TIMESTAMP_POS)
                    .getLong(w.at(pos) + StoredRecordLayout.OFFSET_POS);
            if (found != off) {
                throw markDamaged(pos, off, "record carries offset " + found);
            }
        }
        return pos;
    }

    /** Reads record headers through a window so a walk costs one read per 16 KiB, not one per record. */
    private final class Walker {
        private final int limit;
        private final ByteBuffer window = ByteBuffer.allocate(WALK_WINDOW);
        private long windowStart = -1;
        private int windowLength;

        Walker(int limit) {
            this.limit = limit;
        }

        int at(long pos) {
            return (int) (pos - windowStart);
        }

        boolean covers(long pos, int length) {
            return windowStart >= 0 && pos >= windowStart && pos + length <= windowStart + windowLength;
        }

        /** The window, holding at least {@code bytes} bytes from {@code pos}. */
        ByteBuffer header(long pos, int bytes) throws IOException {
            if (pos + bytes > limit) {
                throw corrupt(pos, -1, "record header runs past the end of the data (" + limit + " bytes)");
            }
            if (windowStart < 0 || pos < windowStart || pos + bytes > windowStart + windowLength) {
                window.clear();
                window.limit((int) Math.min(WALK_WINDOW, limit - pos));
                readFully(window, pos);
                windowStart = pos;
                windowLength = window.limit();
            }
            return window;
        }

        /** The length field of the record at pos, checked to lie within the data. */
        int length(long pos) throws IOException {
            int length = header(pos, 4).getInt(at(pos));
            if (length < StoredRecordLayout.MIN_RECORD_SIZE - 4 || pos + 4 + length > limit) {
                throw corrupt(pos, -1, "impossible record length " + length);
            }
            return length;
        }

        /** Fails with IndexMismatchException unless a record with {@code offset} starts at {@code pos}. */
        void checkEntry(long pos, long offset) throws IOException {
            if (pos + StoredRecordLayout.TIMESTAMP_POS > limit) {
                throw new IndexMismatchException(index.file() + ": entry for offset " + offset + " points at "
                        + pos + ", past the end of " + logFile + " (" + limit + " bytes)");
            }
            ByteBuffer h = header(pos, StoredRecordLayout.TIMESTAMP_POS);
            int length = h.getInt(at(pos));
            long found = h.getLong(at(pos) + StoredRecordLayout.OFFSET_POS);
            if (found != offset || length < StoredRecordLayout.MIN_RECORD_SIZE - 4 || pos + 4 + length > limit) {
                throw new IndexMismatchException(index.file() + ": entry for offset " + offset + " points at "
                        + pos + " in " + logFile + ", where the record claims offset " + found + " and length "
                        + length);
            }
        }
    }

    // ---------------------------------------------------------------- recovery primitives (used by LogLoader)

    /**
     * Opens the indexes as they are on disk.
     *
     * @param expectedNextOffset the next segment's base (to bound the time index), or Long.MAX_VALUE
     */
    public void openIndexes(long expectedNextOffset, int indexCapacity) {
        index = OffsetIndex.open(indexFile(), baseOffset, size, indexCapacity);
        long records = expectedNextOffset == Long.MAX_VALUE ? Long.MAX_VALUE : expectedNextOffset - baseOffset;
        timeIndex = TimeIndex.open(timeIndexFile(), baseOffset, records, indexCapacity);
    }

    /** True if both index files exist and hold exactly their valid entries (as a sealed segment leaves them). */
    public boolean indexesLookSealed() throws IOException {
        return Files.exists(indexFile()) && Files.exists(timeIndexFile())
                && Files.size(indexFile()) == (long) index.entries() * OffsetIndex.ENTRY_SIZE
                && Files.size(timeIndexFile()) == (long) timeIndex.entries() * TimeIndex.ENTRY_SIZE
                && (size == 0 || timeIndex.entries() > 0);
    }

    /**
     * Checks, without CRCs, that the records from the last index entry to the end of the file are framed and
     * numbered so that the segment ends exactly at {@code expectedNextOffset}. On success the segment is usable.
     */
    public boolean verifyTail(long expectedNextOffset) {
        int n = index.entries();
        long pos = n == 0 ? 0 : index.positionAt(n - 1);
        long off = n == 0 ? baseOffset : index.offsetAt(n - 1);
        try {
            Walker w = new Walker(size);
            if (pos < size) {
                w.checkEntry(pos, off);
            }
            while (pos < size) {
                long found = w.header(pos, StoredRecordLayout.TIMESTAMP_POS)
                        .getLong(w.at(pos) + StoredRecordLayout.OFFSET_POS);
                if (found != off) {
                    return false;
                }
                pos += 4 + w.length(pos);
                off++;
            }
        } catch (StorageException | IOException e) {
            return false;
        }
        if (pos != size || off != expectedNextOffset) {
            return false;
        }
        nextOffset = off;
        maxTimestamp = timeIndex.lastTimestamp();
        return true;
    }

    /**
     * A cheap sanity check of the time index against the offset index and the .log, once the segment's extent is
     * known (after {@link #verifyTail} or {@link #recover}, and {@link #seal} for a sealed segment). Returns null if
     * it passes, else what is wrong. It costs a merge over both mapped indexes plus three short reads of the .log:
     * <ul>
     *   <li>every entry's offset lies below {@link #nextOffset()} and is an offset index entry's offset, or the last
     *       record's (the entry a seal adds) - entries are only ever written at those offsets;</li>
     *   <li>the records at the first and last entries' offsets carry timestamps no greater than their entries';</li>
     *   <li>the last entry's timestamp is at least every timestamp in the records after the last offset index
     *       entry (a walk of at most one index interval), since it must be the segment's greatest.</li>
     * </ul>
     * What it cannot see: an entry in the middle whose timestamp is too small while its own record is not the
     * segment's maximum so far. {@link #offsetForTimestamp} checks the entry it starts from on every seek.
     */
    public String timeIndexProblem() {
        TimeIndex tidx = timeIndex;
        OffsetIndex idx = index;
        int n = tidx.entries();
        if (n == 0) {
            return null;
        }
        long next = nextOffset;
        int m = idx.entries();
        int j = 0;
        for (int i = 0; i < n; i++) {
            long o = tidx.offsetAt(i);
            if (o >= next) {
                return "entry " + i + " points at offset " + o + ", at or past the segment's end (next offset "
                        + next + ")";
            }
            while (j < m && idx.offsetAt(j) < o) {
                j++;
            }
            if (o != next - 1 && (j == m || idx.offsetAt(j) != o)) {
                return "entry " + i + " points at offset " + o + ", which has no offset index entry";
            }
        }
        try {
            Walker w = new Walker(size);
            for (int i : new int[] {0, n - 1}) {
                long o = tidx.offsetAt(i);
                long pos = positionOf(o, w);
                long ts = w.header(pos, StoredRecordLayout.KEY_LENGTH_POS)
                        .getLong(w.at(pos) + StoredRecordLayout.TIMESTAMP_POS);
                if (ts > tidx.timestampAt(i)) {
                    return "entry " + i + " says records up to offset " + o + " are at most timestamp "
                            + tidx.timestampAt(i) + ", but that record has timestamp " + ts;
                }
            }
            long pos = m == 0 ? 0 : idx.positionAt(m - 1);
            long off = m == 0 ? baseOffset : idx.offsetAt(m - 1);
            long last = tidx.timestampAt(n - 1);
            while (pos < size) {
                long ts = w.header(pos, StoredRecordLayout.KEY_LENGTH_POS)
                        .getLong(w.at(pos) + StoredRecordLayout.TIMESTAMP_POS);
                if (ts > last) {
                    return "the last entry says the greatest timestamp is " + last + ", but the record at offset "
                            + off + " has timestamp " + ts;
                }
                pos += 4 + w.length(pos);
                off++;
            }
        } catch (StorageException | IOException e) {
            return "checking it against " + logFile + " failed: " + e.getMessage();
        }
        return null;
    }

    /**
     * Gives up on the time index when it cannot be rebuilt (the .log's framing is damaged below the recovery point):
     * empties it and makes the greatest timestamp unknown (Long.MAX_VALUE), so retention never deletes the segment
     * by time and a seek by timestamp scans it from its start.
     */
    public void distrustTimeIndex() {
        timeIndex.clear();
        maxTimestamp = Long.MAX_VALUE;
    }

    /** Where a recovery scan stopped. */
    public record ScanResult(long validEnd, long nextOffset, long fileSize, String problem) {
        public boolean damaged() {
            return validEnd < fileSize;
        }
    }

    /**
     * Scans (with CRC checks) from the index entry at or before {@code fromOffset} - or from the start when
     * {@code fromOffset <= baseOffset} or that entry is wrong - to the first invalid record or the end of the file,
     * re-deriving index entries for what it scans. Does not truncate.
     */
    public ScanResult recover(long fromOffset) throws IOException {
        long startPos = 0;
        long startOffset = baseOffset;
        if (fromOffset > baseOffset) {
            int i = index.floorEntryForOffset(fromOffset);
            if (i >= 0) {
                long pos = index.positionAt(i);
                long off = index.offsetAt(i);
                try {
                    new Walker(size).checkEntry(pos, off);
                    startPos = pos;
                    startOffset = off;
                } catch (StorageException e) {
                    // wrong entry: scan the whole segment instead
                }
            }
        }
        if (startPos == 0) {
            index.clear();
            timeIndex.clear();
            lastIndexedPosition = 0;
            maxTimestamp = Long.MIN_VALUE;
        } else {
            index.truncateAfter(startOffset);
            timeIndex.truncateAfter(startOffset);
            lastIndexedPosition = (int) startPos;
            maxTimestamp = timeIndex.lastTimestamp();
        }
        long fileSize = channel.size();
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(SCAN_CHUNK, Math.max(fileSize - startPos, 64)));
        long bufStart = startPos;
        buf.limit(0);
        long pos = startPos;
        long off = startOffset;
        long maxTs = maxTimestamp;
        String problem = null;
        while (pos < fileSize) {
            int at = (int) (pos - bufStart);
            if (at + 4 > buf.limit() || at + 4 + buf.getInt(at) > buf.limit()) {
                // refill from pos, big enough for the whole record if its length is plausible
                if (pos + 4 > fileSize) {
                    problem = "torn record length: " + (fileSize - pos) + " bytes at the end";
                    break;
                }
                int length = at + 4 <= buf.limit() ? buf.getInt(at) : readInt(pos);
                if (length < StoredRecordLayout.MIN_RECORD_SIZE - 4 || pos + 4 + length > fileSize
                        || length > StoredRecordLayout.MAX_RECORD_SIZE) {
                    problem = "impossible record length " + length
                            + " (" + (fileSize - pos) + " bytes left)";
                    break;
                }
                if (buf.capacity() < 4 + length) {
                    buf = ByteBuffer.allocate(4 + length);
                }
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), fileSize - pos));
                readFully(buf, pos);
                bufStart = pos;
                at = 0;
            }
            String bad = RecordCodec.validate(buf, at, crc);
            if (bad == null && buf.getLong(at + StoredRecordLayout.OFFSET_POS) != off) {
                bad = "record carries offset " + buf.getLong(at + StoredRecordLayout.OFFSET_POS) + ", expected " + off;
            }
            if (bad != null) {
                problem = bad;
                break;
            }
            maxTs = Math.max(maxTs, buf.getLong(at + StoredRecordLayout.TIMESTAMP_POS));
            if (pos - lastIndexedPosition >= OffsetIndex.INTERVAL_BYTES) {
                index.append(off, (int) pos);
                timeIndex.maybeAppend(maxTs, off);
                lastIndexedPosition = (int) pos;
            }
            pos += 4 + buf.getInt(at);
            off++;
        }
        maxTimestamp = maxTs;
        size = (int) pos;
        nextOffset = off;
        return new ScanResult(pos, off, fileSize, problem);
    }

    /** Cuts the .log at {@code position} (the end of the last valid record found by {@link #recover}). */
    public void truncateTo(long position) throws IOException {
        channel.truncate(position);
        channel.force(true);
        size = (int) position;
        if (expiringMarked) {
            expiry = null; // counted records may be gone: scan again when asked
        }
    }

    /**
     * Rebuilds both indexes from the .log (after an {@link IndexMismatchException}); writer only. A sealed segment's
     * indexes are cut to size again so the next open trusts them.
     */
    public void rebuildIndexes(boolean sealed) throws IOException {
        int visible = size;
        long next = nextOffset;
        index.delete();
        timeIndex.delete();
        index = OffsetIndex.open(indexFile(), baseOffset, 0, 64);
        timeIndex = TimeIndex.open(timeIndexFile(), baseOffset, 0, 64);
        Walker w = new Walker(visible);
        long pos = 0;
        long off = baseOffset;
        long maxTs = Long.MIN_VALUE;
        int lastIndexed = 0;
        while (pos < visible) {
            ByteBuffer h = w.header(pos, StoredRecordLayout.KEY_LENGTH_POS);
            maxTs = Math.max(maxTs, h.getLong(w.at(pos) + StoredRecordLayout.TIMESTAMP_POS));
            if (pos - lastIndexed >= OffsetIndex.INTERVAL_BYTES) {
                index.append(off, (int) pos);
                timeIndex.maybeAppend(maxTs, off);
                lastIndexed = (int) pos;
            }
            pos += 4 + w.length(pos);
            off++;
        }
        if (off != next) {
            throw corrupt(pos, off, "rebuilding the indexes found " + (off - baseOffset) + " records, expected "
                    + (next - baseOffset));
        }
        lastIndexedPosition = lastIndexed;
        maxTimestamp = maxTs;
        if (sealed) {
            timeIndex.maybeAppend(maxTs, next - 1);
            index.trim();
            timeIndex.trim();
        }
    }

    // ---------------------------------------------------------------- helpers

    private int readInt(long pos) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4);
        readFully(b, pos);
        return b.getInt(0);
    }

    private void readFully(ByteBuffer buf, long pos) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, p);
            if (n < 0) {
                throw new EOFException(logFile + " ends at " + p + ", wanted " + buf.remaining() + " more bytes");
            }
            p += n;
        }
        buf.flip();
    }

    private CorruptRecordException corrupt(long pos, long offset, String problem) {
        return new CorruptRecordException("corrupt record in " + logFile + " at position " + pos
                + (offset >= 0 ? " (offset " + offset + ")" : "") + ": " + problem);
    }

    @Override
    public String toString() {
        return logFile + " [" + baseOffset + ", " + nextOffset + ") " + size + " bytes";
    }
}
