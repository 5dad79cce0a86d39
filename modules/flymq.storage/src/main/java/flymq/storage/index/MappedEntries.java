package flymq.storage.index;

import flymq.storage.FileModes;
import flymq.storage.StorageException;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A memory-mapped file of fixed-size entries shared by {@link OffsetIndex} and {@link TimeIndex}: the file format is
 * theirs, this class only maps, grows, trims and forces the file.
 *
 * <p>Concurrency: one writer (holding the log's append lock) and lock-free readers. The writer stores an entry and
 * then publishes the new count through a volatile write; a reader reads the count first, then the mapping, so it
 * always sees a mapping that holds every entry it counts. Mappings are never unmapped explicitly (a reader may still
 * be using one); the garbage collector releases them.
 */
final class MappedEntries {

    private final Path file;
    private final int entrySize;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;

    MappedEntries(Path file, int entrySize, int capacityEntries) {
        this.file = file;
        this.entrySize = entrySize;
        try {
            long existing = Files.exists(file) ? Files.size(file) : 0;
            long bytes = Math.max(existing - existing % entrySize, (long) capacityEntries * entrySize);
            this.mmap = map(bytes);
        } catch (IOException e) {
            throw new StorageException("cannot map index " + file + ": " + e, e);
        }
    }

    private MappedByteBuffer map(long bytes) throws IOException {
        if (bytes > Integer.MAX_VALUE) {
            throw new StorageException("index " + file + " would grow to " + bytes + " bytes");
        }
        try (FileChannel ch = FileModes.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (bytes > 0 && ch.size() < bytes) {
                // Grow by writing the last byte: the file becomes sparse, zero-filled up to it.
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]), bytes - 1);
            }
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
        }
    }

    Path file() {
        return file;
    }

    /** Slots mapped (entries that fit before the file must grow). */
    int slots() {
        return mmap.capacity() / entrySize;
    }

    int entries() {
        return entries;
    }

    /** The mapping to read entry {@code i < entries()} from; read {@link #entries()} before calling this. */
    MappedByteBuffer buffer() {
        return mmap;
    }

    /** Makes room for one more entry and returns the buffer to write it into (writer only). */
    MappedByteBuffer bufferForAppend() {
        MappedByteBuffer current = mmap;
        if ((entries + 1) * entrySize > current.capacity()) {
            try {
                mmap = current = map(Math.max(64L * entrySize, 2L * current.capacity()));
            } catch (IOException e) {
                throw new StorageException("cannot grow index " + file + ": " + e, e);
            }
        }
        return current;
    }

    /** Publishes a new count (writer only). Dropped entries are zeroed so a later open does not count them. */
    void setEntries(int count) {
        MappedByteBuffer current = mmap;
        for (int i = count * entrySize, end = Math.min(entries * entrySize, current.capacity()); i < end; i++) {
            current.put(i, (byte) 0);
        }
        entries = count;
    }

    /** Cuts the file to exactly its entries (a rolled or closed segment); the mapping is kept for readers. */
    void trim() {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate((long) entries * entrySize);
        } catch (IOException e) {
            throw new StorageException("cannot trim index " + file + ": " + e, e);
        }
    }

    void force() {
        mmap.force();
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("cannot delete index " + file + ": " + e, e);
        }
    }
}
