package flymq.broker.delay;

import flymq.storage.AtomicFile;
import flymq.storage.FileModes;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.zip.CRC32C;

/**
 * One bucket of the delayed-delivery schedule: the records due within one minute of the broker's clock, in two
 * files named after the minute (Unix ms / 60 000, 20 digits, so a listing sorts by due time).
 *
 * <p>{@code MINUTE.delayed} is a run of entries in the order they were scheduled, all integers big-endian:
 * <pre>
 *    0  int32  length        bytes after this field
 *    4  int32  crc32c        CRC32C of the {@code length - 4} bytes after this field
 *    8  int32  seq           the entry's number in the bucket: 0, 1, 2, ... (checked on recovery)
 *   12  int64  dueMs         when it is to be delivered (Unix ms, inside the bucket's minute)
 *   20  int64  scheduledMs   when PRODUCE_DELAYED arrived
 *   28  int32  partition     the target partition (chosen when it was scheduled)
 *   32  int16  topicLength, UTF-8 topic
 *       int32  keyLength     -1 = no key, key bytes
 *       int32  valueLength   value bytes (with encryption at rest: the value sealed as a partition log seals
 *                            it, {@code flymq.storage.ValueCipher}, with dueMs and scheduledMs in place of the
 *                            offset and timestamp; the directory's {@code encryption-key-id} file says so)
 * </pre>
 * {@code MINUTE.cancelled} is a run of {@code int32 seq}: the entries CANCEL_DELAYED took out. A schedule entry's id
 * (the {@code delay_id} of the wire) is {@code minute << 32 | seq}, so a cancel finds its bucket from the id alone.
 *
 * <p>Recovery ({@link #open}) walks the entries and cuts the file after the last whole, CRC-valid entry whose seq is
 * the next one (a write torn by a crash is forgotten: it was never acknowledged under {@code acks=all}, and under the
 * other acks it is what a crash before the page cache reached the disk costs, as for a partition log); a torn
 * trailing cancel (fewer than 4 bytes) is ignored. Only the bucket's entry count stays in memory; entries are read
 * back when the bucket becomes due ({@link #scan}) and one at a time when delivered ({@link #read}).
 */
final class DelayBucket implements AutoCloseable {
    static final String ENTRIES_SUFFIX = ".delayed";
    static final String CANCELLED_SUFFIX = ".cancelled";
    static final long MINUTE_MS = 60_000;
    private static final int FIXED = 32; // bytes of an entry before its topic
    private static final int MAX_ENTRY = 64 << 20;

    /** A scheduled record as the bucket holds it. */
    record Entry(int seq, long dueMs, long scheduledMs, String topic, int partition, byte[] key, byte[] value) {
    }

    /** Sees each entry's place without its bytes: what the window of due entries keeps in memory. */
    @FunctionalInterface
    interface EntryVisitor {
        void entry(int seq, long dueMs, long position);
    }

    private final long minute;
    private final Path entriesFile;
    private final Path cancelledFile;
    private FileChannel channel; // null while released
    private final CRC32C crc = new CRC32C();
    private long size;
    private int count;
    private boolean dirty;

    private DelayBucket(long minute, Path dir, FileChannel channel) {
        this.minute = minute;
        this.entriesFile = dir.resolve(fileName(minute, ENTRIES_SUFFIX));
        this.cancelledFile = dir.resolve(fileName(minute, CANCELLED_SUFFIX));
        this.channel = channel;
    }

    static String fileName(long minute, String suffix) {
        return String.format("%020d%s", minute, suffix);
    }

    static long minuteOf(long dueMs) {
        return Math.floorDiv(dueMs, MINUTE_MS);
    }

    static long idOf(long minute, int seq) {
        return minute << 32 | (seq & 0xFFFF_FFFFL);
    }

    static long minuteOfId(long id) {
        return id >>> 32;
    }

    static int seqOfId(long id) {
        return (int) id;
    }

    /** Opens (creating when absent) the bucket of {@code minute}, recovering its entries file. */
    static DelayBucket open(Path dir, long minute) {
        Path file = dir.resolve(fileName(minute, ENTRIES_SUFFIX));
        try {
            boolean created = !Files.exists(file);
            FileChannel ch = FileModes.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (created) {
                AtomicFile.fsyncDirectory(dir);
            }
            DelayBucket b = new DelayBucket(minute, dir, ch);
            b.recover();
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open delayed-delivery bucket " + file + ": " + e, e);
        }
    }

    private void recover() throws IOException {
        long fileSize = channel.size();
        long pos = 0;
        int seq = 0;
        ByteBuffer head = ByteBuffer.allocate(12);
        while (pos + 12 <= fileSize) {
            head.clear();
            readFully(head, pos);
            int length = head.getInt(0);
            if (length < FIXED - 4 + 2 + 8 || length > MAX_ENTRY || pos + 4 + length > fileSize
                    || head.getInt(8) != seq) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(length - 4);
            readFully(body, pos + 8);
            crc.reset();
            crc.update(body.array(), 0, length - 4);
            if ((int) crc.getValue() != head.getInt(4)) {
                break;
            }
            pos += 4 + length;
            seq++;
        }
        if (pos < fileSize) {
            System.getLogger(DelayBucket.class.getName()).log(System.Logger.Level.WARNING,
                    "{0}: cutting {1} bytes after entry {2} (a write torn by a crash)", entriesFile,
                    fileSize - pos, seq);
            channel.truncate(pos);
            channel.force(true);
        }
        size = pos;
        count = seq;
    }

    long minute() {
        return minute;
    }

    long startMs() {
        return minute * MINUTE_MS;
    }

    /** Bytes of the entries file (where the next entry goes). */
    long sizeBytes() {
        return size;
    }

    /** Entries ever scheduled in this bucket (the next seq). */
    int count() {
        return count;
    }

    /** Appends an entry (its seq is the bucket's next) and returns that seq; durable after {@link #force()}. */
    int append(long dueMs, long scheduledMs, String topic, int partition, byte[] key, byte[] value) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        int keyLength = key == null || key.length == 0 ? -1 : key.length;
        long length = FIXED - 4 + 2 + t.length + 4 + Math.max(0, keyLength) + 4 + value.length;
        if (length > MAX_ENTRY) {
            throw new IllegalArgumentException("a delayed record of " + length + " bytes exceeds " + MAX_ENTRY);
        }
        ByteBuffer b = ByteBuffer.allocate((int) length + 4);
        int seq = count;
        b.putInt((int) length).putInt(0).putInt(seq).putLong(dueMs).putLong(scheduledMs).putInt(partition)
                .putShort((short) t.length).put(t).putInt(keyLength);
        if (keyLength > 0) {
            b.put(key);
        }
        b.putInt(value.length).put(value);
        crc.reset();
        crc.update(b.array(), 8, (int) length - 4);
        b.putInt(4, (int) crc.getValue());
        b.flip();
        try {
            long p = size;
            FileChannel out = ch();
            while (b.hasRemaining()) {
                p += out.write(b, p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a delayed record to " + entriesFile + ": " + e, e);
        }
        size += b.limit();
        count++;
        dirty = true;
        return seq;
    }

    /**
     * Closes the file until it is next used (forcing what was appended first), so a schedule that spans days does
     * not hold one open file per minute.
     */
    void release() {
        if (channel != null) {
            force();
            close();
            channel = null;
        }
    }

    private FileChannel ch() throws IOException {
        // reopened when released, and when an interrupt of a thread using it closed it for every thread
        if (channel == null || !channel.isOpen()) {
            channel = FileChannel.open(entriesFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    boolean open() {
        return channel != null;
    }

    /** Forces what was appended since the last force to the disk. */
    void force() {
        if (!dirty) {
            return;
        }
        try {
            ch().force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fsync " + entriesFile + ": " + e, e);
        }
        dirty = false;
    }

    /** Hands the seq, due time and file position of every entry to {@code visitor}, in file order. */
    void scan(EntryVisitor visitor) {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long bufStart = 0;
        buf.limit(0);
        long pos = 0;
        try {
            for (int seq = 0; seq < count; seq++) {
                if (pos + 20 > bufStart + buf.limit()) {
                    buf.clear();
                    buf.limit((int) Math.min(buf.capacity(), size - pos));
                    readFully(buf, pos);
                    bufStart = pos;
                }
                int at = (int) (pos - bufStart);
                int length = buf.getInt(at);
                visitor.entry(seq, buf.getLong(at + 12), pos);
                pos += 4 + length;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + entriesFile + ": " + e, e);
        }
    }

    /** The entry at {@code position} (as {@link #scan} gave it). */
    Entry read(long position) {
        try {
            ByteBuffer head = ByteBuffer.allocate(4);
            readFully(head, position);
            ByteBuffer b = ByteBuffer.allocate(head.getInt(0));
            readFully(b, position + 4);
            b.getInt(); // crc, checked on recovery
            int seq = b.getInt();
            long due = b.getLong();
            long scheduled = b.getLong();
            int partition = b.getInt();
            byte[] t = new byte[b.getShort()];
            b.get(t);
            int keyLength = b.getInt();
            byte[] key = null;
            if (keyLength >= 0) {
                key = new byte[keyLength];
                b.get(key);
            }
            byte[] value = new byte[b.getInt()];
            b.get(value);
            return new Entry(seq, due, scheduled, new String(t, StandardCharsets.UTF_8), partition, key, value);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the delayed record at " + position + " of " + entriesFile
                    + ": " + e, e);
        }
    }

    /** The entry numbered {@code seq}, found by walking the file (for a cancel, which is rare). */
    Entry find(int seq) {
        long[] at = {-1};
        scan((s, due, pos) -> {
            if (s == seq) {
                at[0] = pos;
            }
        });
        return at[0] < 0 ? null : read(at[0]);
    }

    /** The seqs cancelled so far. */
    BitSet cancelled() {
        BitSet out = new BitSet();
        try {
            if (!Files.exists(cancelledFile)) {
                return out;
            }
            byte[] bytes = Files.readAllBytes(cancelledFile);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.remaining() >= 4) {
                int seq = b.getInt();
                if (seq >= 0 && seq < count) {
                    out.set(seq);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cancelledFile + ": " + e, e);
        }
    }

    /**
     * The seqs of the first {@code limit} cancels in the file (a cluster replica's schedule: the cancels its
     * partition group had applied when its snapshot was taken).
     */
    BitSet cancelled(int limit) {
        BitSet out = new BitSet();
        try {
            if (limit <= 0 || !Files.exists(cancelledFile)) {
                return out;
            }
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(cancelledFile));
            for (int i = 0; i < limit && b.remaining() >= 4; i++) {
                int seq = b.getInt();
                if (seq >= 0) {
                    out.set(seq);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cancelledFile + ": " + e, e);
        }
    }

    /** The cancels {@code [from, to)} of the cancel file, in the order they were written. */
    int[] cancelSeqs(int from, int to) {
        try {
            if (!Files.exists(cancelledFile) || to <= from) {
                return new int[0];
            }
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(cancelledFile));
            int n = Math.max(0, Math.min(to, b.remaining() / 4) - from);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = b.getInt((from + i) * 4);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cancelledFile + ": " + e, e);
        }
    }

    /** How many whole cancels the cancel file holds. */
    int cancelCount() {
        try {
            return Files.exists(cancelledFile) ? (int) (Files.size(cancelledFile) / 4) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cancelledFile + ": " + e, e);
        }
    }

    /** Records, durably, that entry {@code seq} is cancelled. */
    void cancel(int seq) {
        try (FileChannel ch = FileModes.open(cancelledFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            long before = ch.size();
            // a torn earlier write leaves a tail that is not a multiple of 4: start this one on the boundary
            if (before % 4 != 0) {
                ch.truncate(before - before % 4);
            }
            ByteBuffer b = ByteBuffer.allocate(4).putInt(seq).flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
            if (before == 0) {
                AtomicFile.fsyncDirectory(cancelledFile.getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the cancel of entry " + seq + " in " + cancelledFile + ": "
                    + e, e);
        }
    }

    /** Closes and removes both files (every entry delivered or cancelled). */
    void delete() {
        close();
        try {
            Files.deleteIfExists(entriesFile);
            Files.deleteIfExists(cancelledFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + entriesFile + ": " + e, e);
        }
    }

    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + entriesFile + ": " + e, e);
        }
    }

    private void readFully(ByteBuffer buf, long pos) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch().read(buf, p);
            if (n < 0) {
                throw new EOFException(entriesFile + " ends at " + p);
            }
            p += n;
        }
        buf.flip();
    }

    @Override
    public String toString() {
        return entriesFile + " (" + count + " entries)";
    }
}
