package flymq.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * Durable String -> long map (consumer-group committed offsets, the broker's transaction state): an append-only,
 * CRC-checked log of puts and removes, compacted when it grows; a torn tail is dropped on open. put/remove/apply are
 * durable (fsynced) when they return, unless the store was opened without syncing, when they are in the OS page
 * cache (they survive a crash of the process, not of the machine).
 *
 * <h2>File format</h2>
 * A sequence of entries, all integers big-endian:
 * <pre>
 *   int32  length     bytes after this field (type + keyLength + key [+ value])
 *   int32  crc32c     CRC32C of those {@code length} bytes
 *   int8   type       1 = put, 2 = remove
 *   int16  keyLength  UTF-8 length of the key (0..32767)
 *   bytes  key
 *   int64  value      only for put
 * </pre>
 * On open the entries are replayed in order; the first entry that is short, has an impossible length or type, or fails
 * its CRC ends the replay and the file is truncated there (a torn last write; nothing acknowledged is lost because an
 * entry is acknowledged only after it is fsynced). Compaction writes the live map as puts to {@code <file>.compact},
 * fsyncs it and renames it over the file, so a crash leaves either the old or the compacted file.
 */
public final class OffsetStore implements AutoCloseable {

    private static final byte PUT = 1;
    private static final byte REMOVE = 2;
    private static final int MAX_KEY_BYTES = Short.MAX_VALUE;
    private static final long MIN_COMPACT_BYTES = 1 << 20;

    private final Path file;
    private final long compactThreshold;
    private final boolean sync;
    private final Map<String, Long> map = new HashMap<>();
    private final CRC32C crc = new CRC32C();
    private FileChannel channel;
    private long fileSize;
    private boolean closed;

    private OffsetStore(Path file, long compactThreshold, boolean sync) {
        this.file = file;
        this.compactThreshold = compactThreshold;
        this.sync = sync;
    }

    /** Opens (creating if absent) the store, replaying the file and dropping a torn tail. */
    public static OffsetStore open(Path file) {
        return open(file, MIN_COMPACT_BYTES);
    }

    /** As {@link #open(Path)}, compacting once the file passes {@code compactThreshold} bytes (tests use small). */
    static OffsetStore open(Path file, long compactThreshold) {
        return open(file, compactThreshold, true);
    }

    /**
     * As {@link #open(Path)}; with {@code syncEveryWrite} false writes are not fsynced (for state whose durability
     * follows partition logs that are fsynced by time, not per write).
     */
    public static OffsetStore open(Path file, boolean syncEveryWrite) {
        return open(file, MIN_COMPACT_BYTES, syncEveryWrite);
    }

    static OffsetStore open(Path file, long compactThreshold, boolean sync) {
        Objects.requireNonNull(file, "file");
        OffsetStore store = new OffsetStore(file.toAbsolutePath(), compactThreshold, sync);
        store.load();
        return store;
    }

    private void load() {
        try {
            FileModes.createDirectories(file.getParent());
            Files.deleteIfExists(compactPath());
            channel = FileModes.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            long size = channel.size();
            ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
            while (all.hasRemaining() && channel.read(all, all.position()) >= 0) {
                // read until full or EOF
            }
            all.flip();
            long valid = 0;
            while (all.remaining() >= 8) {
                int start = all.position();
                int length = all.getInt();
                int expectedCrc = all.getInt();
                if (length < 3 || length > all.remaining()) {
                    break;
                }
                crc.reset();
                crc.update(all.array(), all.position(), length);
                if ((int) crc.getValue() != expectedCrc) {
                    break;
                }
                byte type = all.get();
                int keyLength = all.getShort();
                int expectedLength = 3 + keyLength + (type == PUT ? 8 : 0);
                if ((type != PUT && type != REMOVE) || keyLength < 0 || expectedLength != length) {
                    break;
                }
                String key = new String(all.array(), all.position(), keyLength, StandardCharsets.UTF_8);
                all.position(all.position() + keyLength);
                if (type == PUT) {
                    map.put(key, all.getLong());
                } else {
                    map.remove(key);
                }
                valid = start + 8L + length;
            }
            if (valid < size) {
                channel.truncate(valid);
                channel.force(true);
            }
            fileSize = valid;
            channel.position(valid);
        } catch (IOException e) {
            throw new StorageException("cannot open offset store " + file + ": " + e, e);
        }
    }

    public synchronized void put(String key, long value) {
        append(PUT, key, value);
        map.put(key, value);
        maybeCompact();
    }

    public synchronized OptionalLong get(String key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        Long value = map.get(key);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    public synchronized void remove(String key) {
        if (!map.containsKey(key)) {
            ensureOpen();
            return;
        }
        append(REMOVE, key, 0);
        map.remove(key);
        maybeCompact();
    }

    /**
     * Puts {@code puts}, then removes {@code removes} (in their iteration order), with one write and at most one
     * fsync. A torn write (power loss) can leave a prefix of these entries applied, never a later one without the
     * earlier ones, so callers order them such that every prefix is a state they recover from.
     */
    public synchronized void apply(Map<String, Long> puts, java.util.Collection<String> removes) {
        ensureOpen();
        java.util.List<ByteBuffer> entries = new java.util.ArrayList<>(puts.size() + removes.size());
        int total = 0;
        for (Map.Entry<String, Long> e : puts.entrySet()) {
            ByteBuffer b = encode(PUT, e.getKey(), e.getValue());
            entries.add(b);
            total += b.remaining();
        }
        for (String key : removes) {
            if (map.containsKey(key) || puts.containsKey(key)) {
                ByteBuffer b = encode(REMOVE, key, 0);
                entries.add(b);
                total += b.remaining();
            }
        }
        if (entries.isEmpty()) {
            return;
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        entries.forEach(all::put);
        write(all.flip(), "a batch of " + entries.size() + " entries");
        map.putAll(puts);
        removes.forEach(map::remove);
        maybeCompact();
    }

    /** A copy of the whole map. */
    public synchronized Map<String, Long> snapshot() {
        ensureOpen();
        return Map.copyOf(map);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new StorageException("cannot close offset store " + file + ": " + e, e);
        }
    }

    private void append(byte type, String key, long value) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        write(encode(type, key, value), "key '" + key + "'");
    }

    private void write(ByteBuffer entry, String what) {
        try {
            while (entry.hasRemaining()) {
                channel.write(entry);
            }
            if (sync) {
                channel.force(false);
            }
            fileSize += entry.limit();
        } catch (IOException e) {
            throw new StorageException("cannot append to offset store " + file + " for " + what + ": " + e, e);
        }
    }

    private ByteBuffer encode(byte type, String key, long value) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        if (keyBytes.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("offset store key is " + keyBytes.length + " UTF-8 bytes, max "
                    + MAX_KEY_BYTES);
        }
        int length = 3 + keyBytes.length + (type == PUT ? 8 : 0);
        ByteBuffer buf = ByteBuffer.allocate(8 + length);
        buf.putInt(length).putInt(0).put(type).putShort((short) keyBytes.length).put(keyBytes);
        if (type == PUT) {
            buf.putLong(value);
        }
        crc.reset();
        crc.update(buf.array(), 8, length);
        buf.putInt(4, (int) crc.getValue());
        return buf.flip();
    }

    /** Rewrites the file as one put per live key once dead entries dominate it. */
    private void maybeCompact() {
        long liveBytes = 0;
        if (fileSize < compactThreshold) {
            return;
        }
        for (String key : map.keySet()) {
            liveBytes += 8 + 3 + 8 + key.getBytes(StandardCharsets.UTF_8).length;
        }
        if (fileSize < 2 * liveBytes) {
            return;
        }
        Path compact = compactPath();
        try {
            try (FileChannel out = FileModes.open(compact, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (Map.Entry<String, Long> e : map.entrySet()) {
                    ByteBuffer entry = encode(PUT, e.getKey(), e.getValue());
                    while (entry.hasRemaining()) {
                        out.write(entry);
                    }
                }
                out.force(true);
            }
            channel.close();
            Files.move(compact, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            AtomicFile.fsyncDirectory(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            fileSize = channel.size();
            channel.position(fileSize);
        } catch (IOException e) {
            throw new StorageException("cannot compact offset store " + file + " into " + compact + ": " + e, e);
        }
    }

    private Path compactPath() {
        return file.resolveSibling(file.getFileName() + ".compact");
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("offset store " + file + " is closed");
        }
    }
}
