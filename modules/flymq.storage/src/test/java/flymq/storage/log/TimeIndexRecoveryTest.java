package flymq.storage.log;

import static flymq.storage.log.LogTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.storage.LogConfig;
import flymq.storage.Record;
import flymq.storage.index.TimeIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time index files that are in order (so they pass the on-open prefix check) but disagree with the records: each is
 * crafted on a closed log, and the reopened log must still answer every seek by timestamp exactly and never let time
 * retention act on the wrong timestamps.
 */
class TimeIndexRecoveryTest {

    /** 64 KiB segments of ~100-byte records: three segments, each with a dozen or so index entries. */
    private static final LogConfig CONFIG = config(64 * 1024);
    private static final int RECORDS = 1800;
    private static final long T0 = 1_000_000;

    @TempDir
    Path dir;

    private static long timestampOf(long offset) {
        return T0 + offset * 10;
    }

    /** Writes RECORDS records with strictly growing timestamps and closes the log; returns the time index files. */
    private List<Path> closedLog() throws IOException {
        try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
            for (long off = 0; off < RECORDS; off += 10) {
                List<Record> batch = new ArrayList<>();
                for (long o = off; o < off + 10; o++) {
                    batch.add(LogTesting.recordFor(o, 60, timestampOf(o)));
                }
                log.append(batch);
            }
            assertTrue(log.segmentCount() >= 3, "segments: " + log.segmentCount());
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".timeindex")).sorted().toList();
        }
    }

    /** Rewrites every entry of a time index file: new timestamp from the old, new relative offset from the old. */
    private static void rewrite(Path file, LongUnaryOperator timestamp, IntUnaryOperator relativeOffset)
            throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file));
        assertTrue(buf.capacity() >= 3 * TimeIndex.ENTRY_SIZE, file + " has too few entries to craft");
        for (int p = 0; p + TimeIndex.ENTRY_SIZE <= buf.capacity(); p += TimeIndex.ENTRY_SIZE) {
            buf.putLong(p, timestamp.applyAsLong(buf.getLong(p)));
            buf.putInt(p + 8, relativeOffset.applyAsInt(buf.getInt(p + 8)));
        }
        Files.write(file, buf.array());
    }

    /** Every seek by timestamp, over the whole range and just past it, gives the first record at or after it. */
    private void assertEverySeekIsExact() {
        try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
            assertEquals(RECORDS, log.endOffset());
            for (long off = 0; off < RECORDS; off++) {
                assertEquals(off, log.offsetForTimestamp(timestampOf(off)), "seek to timestamp of " + off);
                assertEquals(off + 1, log.offsetForTimestamp(timestampOf(off) + 1), "seek just past " + off);
            }
            assertEquals(0, log.offsetForTimestamp(0));
        }
    }

    @Test
    void entriesPointingPastTheLogEndAreRebuiltOnOpen() throws IOException {
        List<Path> indexes = closedLog();
        for (Path file : indexes) {
            rewrite(file, ts -> ts, rel -> rel * 4 + RECORDS); // in order, all beyond the segment's records
        }
        assertEverySeekIsExact();
    }

    @Test
    void entriesAtOffsetsWithoutTheirRecordsTimestampAreRebuiltOnOpen() throws IOException {
        Path middle = closedLog().get(1);
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(middle));
        // Each entry but the last (which stays inside the segment) one record late: a seek would skip a record.
        for (int p = 0; p + 2 * TimeIndex.ENTRY_SIZE <= buf.capacity(); p += TimeIndex.ENTRY_SIZE) {
            buf.putInt(p + 8, buf.getInt(p + 8) + 1);
        }
        Files.write(middle, buf.array());
        assertEverySeekIsExact();
    }

    @Test
    void understatedTimestampsAreRebuiltOnOpen() throws IOException {
        Path middle = closedLog().get(1);
        rewrite(middle, ts -> ts - 3_000, rel -> rel); // still in order: the segment would look older than it is
        assertEverySeekIsExact();
    }

    @Test
    void understatedTimestampsDoNotLetTimeRetentionDeleteRecordsEarly() throws IOException {
        List<Path> indexes = closedLog();
        Path first = indexes.get(0);
        rewrite(first, ts -> ts - 1_000_000_000L, rel -> rel);
        // Retention that keeps every record as written (all are newer than now - retention) but would expire the
        // first segment if its greatest timestamp were taken from the crafted index.
        long retention = Math.max(1, LogTesting.CLOCK.get() - T0 + 1);
        try (SegmentedLog log = LogTesting.open(dir, CONFIG.withRetentionMs(retention))) {
            assertEquals(0, log.enforceRetention(), "no segment is old enough to expire");
            assertEquals(0, log.startOffset());
        }
    }

    @Test
    void aSeekChecksTheEntryItStartsFromAndRebuildsAWrongOne() throws IOException {
        Path middle = closedLog().get(1);
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(middle));
        int entries = buf.capacity() / TimeIndex.ENTRY_SIZE;
        assertTrue(entries >= 4);
        int k = entries / 2; // not the first or last: those are checked on open
        long before = buf.getLong((k - 1) * TimeIndex.ENTRY_SIZE);
        long victimTs = buf.getLong(k * TimeIndex.ENTRY_SIZE);
        buf.putLong(k * TimeIndex.ENTRY_SIZE, before + 1); // still in order, but below its own record's timestamp
        Files.write(middle, buf.array());
        long victimOffset = (victimTs - T0) / 10;
        try (SegmentedLog log = LogTesting.open(dir, CONFIG)) {
            assertEquals(victimOffset, log.offsetForTimestamp(victimTs), "the entry's own record is the answer");
        }
        assertEverySeekIsExact();
    }
}
