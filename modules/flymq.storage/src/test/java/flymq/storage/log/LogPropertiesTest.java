package flymq.storage.log;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import flymq.storage.record.RecordCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import static flymq.storage.log.LogTesting.assertRecordAt;
import static flymq.storage.log.LogTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invariants of append, read, roll and retention over random batch shapes and segment sizes. */
class LogPropertiesTest {

    /** Record sizes are derived from the offset so every read can be checked without remembering them. */
    private static int sizeOf(long offset, int maxValue) {
        return (int) ((offset * 2654435761L) % (maxValue + 1));
    }

    private static long append(SegmentedLog log, List<Integer> batchSizes, int maxValue) {
        long expected = log.endOffset();
        for (int n : batchSizes) {
            List<Record> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(LogTesting.recordFor(expected + i, sizeOf(expected + i, maxValue), expected + i));
            }
            assertEquals(expected, log.append(batch), "first offset of the batch");
            expected += n;
            assertEquals(expected, log.endOffset());
        }
        return expected;
    }

    private static void assertAllReadable(SegmentedLog log, int maxValue) {
        List<StoredRecord> all = LogTesting.readAll(log);
        assertEquals(log.endOffset() - log.startOffset(), all.size());
        for (int i = 0; i < all.size(); i++) {
            long offset = log.startOffset() + i;
            assertRecordAt(offset, all.get(i), sizeOf(offset, maxValue));
        }
    }

    @Property(tries = 30)
    void offsetsAreContiguousAndEveryRecordReadsBackAcrossRollsAndReopen(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 30) Integer> batchSizes,
            @ForAll @IntRange(min = 2048, max = 16384) int segmentBytes,
            @ForAll @IntRange(min = 0, max = 300) int maxValue) throws java.io.IOException {
        Path dir = LogTesting.tempDir();
        try {
            long end;
            try (SegmentedLog log = LogTesting.open(dir, config(segmentBytes))) {
                end = append(log, batchSizes, maxValue);
                assertAllReadable(log, maxValue);
                long maxBatchBytes = 30L * (StoredRecordLayout.MIN_RECORD_SIZE + maxValue + 40);
                try (var files = java.nio.file.Files.list(dir)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                        long size = java.nio.file.Files.size(f);
                        assertTrue(size <= Math.max(segmentBytes, maxBatchBytes), f + " has " + size + " bytes");
                    }
                }
            }
            try (SegmentedLog log = LogTesting.open(dir, config(segmentBytes))) {
                assertEquals(end, log.endOffset());
                assertAllReadable(log, maxValue);
            }
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Property(tries = 30)
    void aReadReturnsARunFromTheOffsetWithinItsLimits(
            @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 30) Integer> batchSizes,
            @ForAll @IntRange(min = 0, max = 10_000) int offsetSeed,
            @ForAll @IntRange(min = 1, max = 50) int maxRecords,
            @ForAll @IntRange(min = 0, max = 5000) int maxBytes) {
        Path dir = LogTesting.tempDir();
        try (SegmentedLog log = LogTesting.open(dir, config(2048))) {
            long end = append(log, batchSizes, 200);
            long offset = offsetSeed % end;
            List<StoredRecord> got = log.read(offset, maxRecords, maxBytes);
            assertFalse(got.isEmpty(), "at least one record exists at " + offset);
            assertTrue(got.size() <= maxRecords);
            long bytes = 0;
            for (int i = 0; i < got.size(); i++) {
                assertRecordAt(offset + i, got.get(i), sizeOf(offset + i, 200));
                bytes += RecordCodec.sizeOf(LogTesting.recordFor(offset + i, sizeOf(offset + i, 200), 0));
            }
            assertTrue(got.size() == 1 || bytes <= maxBytes, bytes + " bytes > " + maxBytes);
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    @Property(tries = 30)
    void retentionRemovesWholeOldestSegmentsAndKeepsEverythingAfterThem(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 30) Integer> batchSizes,
            @ForAll @IntRange(min = 2048, max = 8192) int segmentBytes,
            @ForAll @IntRange(min = 1, max = 40_000) int retentionBytes) {
        Path dir = LogTesting.tempDir();
        try (SegmentedLog log = LogTesting.open(dir, config(segmentBytes).withRetentionBytes(retentionBytes))) {
            long end = append(log, batchSizes, 150);
            Set<Long> bases = segmentBases(log);
            long sizeBefore = log.sizeInBytes();
            int deleted = log.enforceRetention();
            assertEquals(end, log.endOffset(), "retention never touches the end");
            assertTrue(bases.contains(log.startOffset()), "start " + log.startOffset() + " is a segment boundary");
            assertTrue(deleted == 0 || log.sizeInBytes() >= retentionBytes, "kept at least retentionBytes");
            assertTrue(deleted > 0 || sizeBefore - firstSegmentSize(log) < retentionBytes
                    || log.segmentCount() == 1, "deleted what it could");
            assertAllReadable(log, 150);
        } finally {
            LogTesting.deleteTree(dir);
        }
    }

    private static Set<Long> segmentBases(SegmentedLog log) {
        Set<Long> bases = new HashSet<>();
        long next = log.startOffset();
        bases.add(next);
        // a base is wherever a read that starts at it begins a new .log file: walk the files instead
        try (var files = java.nio.file.Files.list(log.directory())) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .forEach(n -> bases.add(Long.parseLong(n.substring(0, 20))));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return bases;
    }

    private static long firstSegmentSize(SegmentedLog log) {
        try {
            return java.nio.file.Files.size(log.directory().resolve(
                    flymq.storage.segment.LogSegment.fileName(log.startOffset(), ".log")));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
