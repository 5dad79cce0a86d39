package flymq.storage.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import flymq.storage.Header;
import flymq.storage.LogConfig;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import flymq.storage.SyncPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Shared helpers: records whose value names their offset, so any read can be checked. */
final class LogTesting {

    static final AtomicLong CLOCK = new AtomicLong(1_000_000);

    private LogTesting() {}

    static LogConfig config(long segmentBytes) {
        return LogConfig.defaults().withSegmentBytes(segmentBytes).withSyncPolicy(SyncPolicy.OS);
    }

    static SegmentedLog open(Path dir, LogConfig config) {
        return SegmentedLog.open(dir, "t", 0, config, StorageListener.NONE, CLOCK::get);
    }

    /** The record that belongs at {@code offset}: value "value-<offset>" padded to {@code size} bytes. */
    static Record recordFor(long offset, int size, long timestamp) {
        byte[] value = new byte[Math.max(size, 0)];
        byte[] tag = ("value-" + offset + "|").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, value, 0, Math.min(tag.length, value.length));
        byte[] key = offset % 3 == 0 ? null : ("key-" + offset).getBytes(StandardCharsets.US_ASCII);
        List<Header> headers = offset % 5 == 0 ? List.of(new Header("n", Long.toString(offset).getBytes()))
                : List.of();
        return new Record(timestamp, key, value, headers);
    }

    static List<Record> batch(long firstOffset, int count, int size, long timestamp) {
        List<Record> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(recordFor(firstOffset + i, size, timestamp));
        }
        return out;
    }

    static void assertRecordAt(long offset, StoredRecord r, int size) {
        Record want = recordFor(offset, size, r.timestamp());
        assertEquals(offset, r.offset());
        assertArrayEquals(want.key(), r.key(), "key at " + offset);
        assertArrayEquals(want.value(), r.value(), "value at " + offset);
        assertEquals(want.headers().size(), r.headers().size());
    }

    /** Every record of the log, read from its start in small steps. */
    static List<StoredRecord> readAll(SegmentedLog log) {
        List<StoredRecord> all = new ArrayList<>();
        long next = log.startOffset();
        while (next < log.endOffset()) {
            List<StoredRecord> got = log.read(next, 100, 4096);
            if (got.isEmpty()) {
                throw new AssertionError("empty read at " + next + " below end " + log.endOffset());
            }
            all.addAll(got);
            next = got.get(got.size() - 1).offset() + 1;
        }
        return all;
    }

    /**
     * A fresh directory for one property try; on tmpfs where there is one, because the properties run hundreds of
     * logs and fsync (on every roll) is what costs there, not what they test.
     */
    static Path tempDir() {
        try {
            Path shm = Path.of("/dev/shm");
            if (Files.isDirectory(shm) && Files.isWritable(shm)) {
                return Files.createTempDirectory(shm, "flymq-log");
            }
            return Files.createTempDirectory("flymq-log");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
