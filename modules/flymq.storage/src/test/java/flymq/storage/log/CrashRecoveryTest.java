package flymq.storage.log;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.CorruptRecordException;
import flymq.storage.LogConfig;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import flymq.storage.segment.LogSegment;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static flymq.storage.log.LogTesting.assertRecordAt;
import static flymq.storage.log.LogTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damage .log and .index files the way crashes and bad disks do, reopen, and check: no exception escapes the open,
 * every record before the damage is still there, nothing after damaged data is served.
 */
class CrashRecoveryTest {

    private static final LogConfig CONFIG = config(4096);
    private static final int RECORDS = 300;

    private static int valueSize(long offset) {
        return (int) ((offset * 7919) % 120);
    }

    /** Where each record starts: file and position, in offset order. */
    private record Placement(Path file, long position, long end) {}

    /**
     * Writes RECORDS records in 8-record batches over many segments; a recovery checkpoint is taken at the first
     * batch boundary at or after {@code checkpointAt} (none if it exceeds RECORDS), then the process "crashes" (files left as they are, no seal, no final checkpoint).
     */
    private static List<Placement> crashedLog(Path dir, long checkpointAt) {
        SegmentedLog log = LogTesting.open(dir, CONFIG);
        List<Placement> placements = new ArrayList<>();
        long offset = 0;
        boolean checkpointed = false;
        while (offset < RECORDS) {
            if (!checkpointed && offset >= checkpointAt) {
                log.flush();
                log.checkpoint();
                checkpointed = true;
            }
            List<Record> batch = new ArrayList<>();
            for (int i = 0; i < 8 && offset + i < RECORDS; i++) {
                batch.add(LogTesting.recordFor(offset + i, valueSize(offset + i), offset + i));
            }
            log.append(batch);
            offset += batch.size();
        }
        if (!checkpointed && checkpointAt <= RECORDS) {
            log.flush();
            log.checkpoint();
        }
        log.abandon();
        // Reconstruct placement from the files: segment bases and record lengths.
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                byte[] bytes = Files.readAllBytes(f);
                var buf = java.nio.ByteBuffer.wrap(bytes);
                int p = 0;
                while (p < bytes.length) {
                    int end = p + 4 + buf.getInt(p);
                    placements.add(new Placement(f, p, end));
                    p = end;
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(RECORDS, placements.size());
        return placements;
    }

    /** Opens the damaged log and checks it holds exactly the records [0, survivors). */
    private static void assertHoldsExactlyAPrefix(Path dir, long survivors) {
        try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
            assertEquals(survivors, log.endOffset(), "records before the damage survive, none after");
            List<StoredRecord> all = LogTesting.readAll(log);
            assertEquals(survivors, all.size());
            for (int i = 0; i < all.size(); i++) {
                assertRecordAt(i, all.get(i), valueSize(i));
            }
            long next = log.append(List.of(LogTesting.recordFor(survivors, 5, 0)));
            assertEquals(survivors, next, "the log continues right after the survivors");
        }
    }

    private static void truncate(Path file, long length) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void flip(Path file, long position, int xor) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ xor);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Index of the first record whose bytes include {@code position} of {@code file}. */
    private static int firstDamaged(List<Placement> placements, Path file, long position) {
        for (int i = 0; i < placements.size(); i++) {
            Placement p = placements.get(i);
            if (p.file().equals(file) && p.end() > position) {
                return i;
            }
        }
        return placements.size();
    }

    @Property(tries = 40)
    void truncatingAnyLogFileAnywhereKeepsExactlyTheRecordsBeforeTheCut(
            @ForAll @IntRange(min = 0, max = RECORDS) int checkpointAt,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long where) {
        Path dir = LogTesting.tempDir();
        try {
            List<Placement> placements = crashedLog(dir, checkpointAt);
            Placement hit = placements.get((int) (where % placements.size()));
            long cut = hit.position() + (where / placements.size()) % (hit.end() - hit.position());
            truncate(hit.file(), cut);
            assertHoldsExactlyAPrefix(dir, firstDamaged(placements, hit.file(), cut));
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Property(tries = 40)
    void aCorruptByteAfterTheRecoveryPointEndsTheLogThere(
            @ForAll @IntRange(min = 0, max = RECORDS / 8 - 1) int checkpointBatch,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long where,
            @ForAll @IntRange(min = 1, max = 255) int xor) {
        Path dir = LogTesting.tempDir();
        try {
            int checkpointAt = checkpointBatch * 8;
            List<Placement> placements = crashedLog(dir, checkpointAt);
            // a crash can only leave damage in what was not yet flushed: records at or after the checkpoint
            int victim = checkpointAt + (int) (where % (RECORDS - checkpointAt));
            Placement hit = placements.get(victim);
            long at = hit.position() + (where / RECORDS) % (hit.end() - hit.position());
            flip(hit.file(), at, xor);
            assertHoldsExactlyAPrefix(dir, victim);
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Property(tries = 40)
    void withoutARecoveryPointACorruptByteAnywhereEndsTheLogThere(
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long where,
            @ForAll @IntRange(min = 1, max = 255) int xor) {
        Path dir = LogTesting.tempDir();
        try {
            List<Placement> placements = crashedLog(dir, Long.MAX_VALUE);
            int victim = (int) (where % RECORDS);
            Placement hit = placements.get(victim);
            flip(hit.file(), hit.position() + (where / RECORDS) % (hit.end() - hit.position()), xor);
            assertHoldsExactlyAPrefix(dir, victim);
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Property(tries = 40)
    void damagedOrMissingIndexFilesAreRebuiltAndEveryRecordStaysReadable(
            @ForAll @IntRange(min = 0, max = RECORDS) int checkpointAt,
            @ForAll @IntRange(min = 0, max = 2) int damage,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long where,
            @ForAll @IntRange(min = 1, max = 255) int xor) throws IOException {
        Path dir = LogTesting.tempDir();
        try {
            crashedLog(dir, checkpointAt);
            List<Path> indexes;
            try (Stream<Path> files = Files.list(dir)) {
                indexes = files.filter(p -> p.toString().endsWith(".index")).sorted().toList();
            }
            Path victim = indexes.get((int) (where % indexes.size()));
            long size = Files.size(victim);
            switch (damage) {
                case 0 -> Files.delete(victim);
                case 1 -> truncate(victim, size == 0 ? 0 : (where / indexes.size()) % size);
                default -> {
                    if (size > 0) {
                        flip(victim, (where / indexes.size()) % size, xor);
                    }
                }
            }
            try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
                assertEquals(RECORDS, log.endOffset());
                for (long off = 0; off < RECORDS; off += 7) { // many lookups through the damaged index
                    assertRecordAt(off, log.read(off, 1, 1).get(0), valueSize(off));
                }
                List<StoredRecord> all = LogTesting.readAll(log);
                assertEquals(RECORDS, all.size());
            }
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Test
    void aCorruptRecordInCheckpointedDataIsNeverServed() throws IOException {
        Path dir = LogTesting.tempDir();
        try {
            List<Placement> placements = crashedLog(dir, RECORDS); // everything below the recovery point
            int victim = 123;
            Placement hit = placements.get(victim);
            flip(hit.file(), hit.position() + StoredRecordLayout.HEADER_SIZE + 2, 0x40);
            try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
                List<StoredRecord> before = log.read(victim - 3, 100, 1 << 20);
                assertEquals(3, before.size(), "a read stops before the corrupt record");
                CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> log.read(victim, 1, 1));
                assertTrue(e.getMessage().contains(LogSegment.fileName(0, "").substring(0, 5)), e.getMessage());
                assertTrue(e.getMessage().contains("offset " + victim), e.getMessage());
            }
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Test
    void onceADamagedRecordBelowTheRecoveryPointIsFoundNoLaterRecordIsServed() throws IOException {
        Path dir = LogTesting.tempDir();
        try {
            List<Placement> placements = crashedLog(dir, RECORDS);
            int victim = 123;
            Placement hit = placements.get(victim);
            String file = hit.file().getFileName().toString();
            flip(hit.file(), hit.position() + StoredRecordLayout.HEADER_SIZE + 2, 0x40);
            try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
                assertEquals(RECORDS, log.endOffset(), "open does not scan checkpointed data");
                // The first read that reaches the damage stops before it ...
                List<StoredRecord> before = log.read(victim - 3, 100, 1 << 20);
                assertEquals(List.of(victim - 3L, victim - 2L, victim - 1L),
                        before.stream().map(StoredRecord::offset).toList());
                // ... and from then on nothing at or after it is served: not in its segment, not in later ones.
                for (long off : new long[] {victim, victim + 1, RECORDS - 1}) {
                    CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> log.read(off, 1, 1));
                    assertTrue(e.getMessage().contains(file) && e.getMessage().contains("(offset " + victim + ")"),
                            "names the damaged file and offset: " + e.getMessage());
                    assertThrows(CorruptRecordException.class, () -> log.slice(off, 1 << 20));
                }
                assertEquals(victim, log.slice(victim - 3, 1 << 20).nextOffset(), "a slice ends before the damage");
                assertRecordAt(0, log.read(0, 1, 1).get(0), valueSize(0));
                assertEquals(RECORDS, log.append(List.of(LogTesting.recordFor(RECORDS, 5, 0))),
                        "appends go on");
            }
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Test
    void recoveryScansOnlyTheTailAfterTheRecoveryPoint() throws IOException {
        Path dir = LogTesting.tempDir();
        try {
            List<Placement> placements = crashedLog(dir, RECORDS);
            // Damage a checkpointed record's payload (not its framing): an O(tail) recovery does not notice it,
            // a full scan would have truncated the log there. This pins "recovery depends on the tail, not the log".
            Placement hit = placements.get(10);
            flip(hit.file(), hit.position() + StoredRecordLayout.HEADER_SIZE + 1, 0x01);
            try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
                assertEquals(RECORDS, log.endOffset());
            }
        } finally {
            LogTesting.deleteTree(dir);
        }
    }
}
