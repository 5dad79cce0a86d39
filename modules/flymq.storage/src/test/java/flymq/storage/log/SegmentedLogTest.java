package flymq.storage.log;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.LogConfig;
import flymq.storage.LogSlice;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.Record;
import flymq.storage.StorageException;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import flymq.storage.SyncPolicy;
import flymq.storage.record.RecordCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static flymq.storage.log.LogTesting.CLOCK;
import static flymq.storage.log.LogTesting.assertRecordAt;
import static flymq.storage.log.LogTesting.batch;
import static flymq.storage.log.LogTesting.config;
import static flymq.storage.log.LogTesting.open;
import static flymq.storage.log.LogTesting.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentedLogTest {

    @TempDir
    Path dir;

    @Test
    void offsetsAreContiguousFromZero() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            assertEquals(0, log.endOffset());
            assertEquals(0, log.append(batch(0, 3, 10, 1)));
            assertEquals(3, log.append(batch(3, 1, 10, 1)));
            assertEquals(4, log.endOffset());
        }
    }

    @Test
    void appendedRecordsReadBackWithKeysValuesAndHeaders() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 50, 100, 7));
            List<StoredRecord> got = log.read(0, 1000, 1 << 20);
            assertEquals(50, got.size());
            for (int i = 0; i < 50; i++) {
                assertRecordAt(i, got.get(i), 100);
                assertEquals(7, got.get(i).timestamp());
            }
            assertEquals("n", got.get(5).headers().get(0).key());
        }
    }

    @Test
    void readAtTheEndIsEmptyAndBeyondItIsOutOfRange() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 2, 10, 1));
            assertTrue(log.read(2, 10, 1000).isEmpty());
            OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> log.read(3, 10, 100));
            assertEquals(3, e.requestedOffset());
            assertEquals(0, e.startOffset());
            assertEquals(2, e.endOffset());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 10, 100));
            assertThrows(OffsetOutOfRangeException.class, () -> log.slice(3, 100));
        }
    }

    @Test
    void readHonoursMaxBytesButAlwaysReturnsOneRecord() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 10, 1000, 1));
            assertEquals(1, log.read(0, 10, 1).size());
            int threeRecords = 0;
            for (long off = 4; off < 7; off++) {
                threeRecords += RecordCodec.sizeOf(LogTesting.recordFor(off, 1000, 1));
            }
            assertEquals(3, log.read(4, 10, threeRecords + 500).size());
            assertEquals(2, log.read(4, 2, 1 << 20).size());
        }
    }

    @Test
    void readsFromTheMiddleOfABatchAndAcrossIndexEntries() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 2000, 50, 1));
            for (long off : new long[] {0, 1, 77, 999, 1000, 1999}) {
                StoredRecord r = log.read(off, 1, 1).get(0);
                assertRecordAt(off, r, 50);
            }
        }
    }

    @Test
    void segmentsRollWhenTheNextBatchWouldPassSegmentBytes() throws Exception {
        try (SegmentedLog log = open(dir, config(4096))) {
            for (int i = 0; i < 40; i++) {
                log.append(batch(i * 5L, 5, 100, 1));
            }
            assertTrue(log.segmentCount() > 5, "segments: " + log.segmentCount());
            try (var files = Files.list(dir)) {
                List<String> logs = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
                        .sorted().toList();
                assertEquals("00000000000000000000.log", logs.get(0));
                assertEquals(log.segmentCount(), logs.size());
                for (String name : logs) {
                    assertTrue(Files.size(dir.resolve(name)) <= 4096, name);
                    assertTrue(Files.exists(dir.resolve(name.replace(".log", ".index"))));
                    assertTrue(Files.exists(dir.resolve(name.replace(".log", ".timeindex"))));
                }
            }
            assertEquals(200, readAll(log).size());
        }
    }

    @Test
    void aBatchLargerThanASegmentGoesIntoItsOwnSegment() {
        try (SegmentedLog log = open(dir, config(4096))) {
            log.append(batch(0, 1, 10, 1));
            log.append(batch(1, 100, 100, 1));
            assertEquals(2, log.segmentCount());
            assertEquals(101, readAll(log).size());
        }
    }

    @Test
    void segmentsRollByAge() {
        LogConfig cfg = config(1 << 20).withSegmentMs(1000);
        try (SegmentedLog log = open(dir, cfg)) {
            log.append(batch(0, 1, 10, 1));
            CLOCK.addAndGet(999);
            log.append(batch(1, 1, 10, 1));
            assertEquals(1, log.segmentCount());
            CLOCK.addAndGet(1);
            log.append(batch(2, 1, 10, 1));
            assertEquals(2, log.segmentCount());
        }
    }

    @Test
    void sizeRetentionDeletesWholeOldestSegmentsAndAdvancesTheStart() {
        try (SegmentedLog log = open(dir, config(4096).withRetentionBytes(10_000))) {
            for (int i = 0; i < 100; i++) {
                log.append(batch(i * 5L, 5, 100, 1));
            }
            int before = log.segmentCount();
            int deleted = log.enforceRetention();
            assertTrue(deleted > 0);
            assertEquals(before - deleted, log.segmentCount());
            assertTrue(log.sizeInBytes() >= 10_000, "kept " + log.sizeInBytes());
            long start = log.startOffset();
            assertTrue(start > 0);
            assertRecordAt(start, log.read(start, 1, 1).get(0), 100);
            OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class,
                    () -> log.read(start - 1, 1, 1));
            assertEquals(start, e.startOffset());
            assertEquals(500 - start, readAll(log).size());
        }
    }

    @Test
    void timeRetentionDeletesSegmentsWhoseNewestRecordExpired() {
        long now = CLOCK.get();
        try (SegmentedLog log = open(dir, config(4096).withRetentionMs(60_000))) {
            for (int i = 0; i < 20; i++) {
                log.append(batch(i * 5L, 5, 100, now - 120_000)); // old
            }
            long firstFresh = log.endOffset();
            for (int i = 0; i < 20; i++) {
                log.append(batch(firstFresh + i * 5L, 5, 100, now));
            }
            log.enforceRetention();
            assertTrue(log.startOffset() > 0);
            assertTrue(log.startOffset() <= firstFresh, "start " + log.startOffset() + " fresh " + firstFresh);
            assertEquals(now, log.read(firstFresh, 1, 1).get(0).timestamp());
        }
    }

    @Test
    void anExpiredActiveSegmentIsRolledAndDeletedLeavingAnEmptyLogAtTheSameEnd() {
        long now = CLOCK.get();
        try (SegmentedLog log = open(dir, config(1 << 20).withRetentionMs(60_000))) {
            log.append(batch(0, 10, 10, now - 120_000));
            log.enforceRetention();
            assertEquals(10, log.startOffset());
            assertEquals(10, log.endOffset());
            assertTrue(log.read(10, 1, 1).isEmpty());
            assertEquals(10, log.append(batch(10, 1, 10, now)));
        }
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            assertEquals(10, log.startOffset());
            assertEquals(11, log.endOffset());
        }
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfterIt() {
        try (SegmentedLog log = open(dir, config(4096))) {
            for (int i = 0; i < 200; i++) {
                log.append(List.of(LogTesting.recordFor(i, 60, 1000 + i * 10L)));
            }
            assertTrue(log.segmentCount() > 2);
            assertEquals(0, log.offsetForTimestamp(0));
            assertEquals(0, log.offsetForTimestamp(1000));
            assertEquals(1, log.offsetForTimestamp(1001));
            assertEquals(150, log.offsetForTimestamp(2500));
            assertEquals(199, log.offsetForTimestamp(2990));
            assertEquals(200, log.offsetForTimestamp(2991));
        }
    }

    @Test
    void sliceTransfersWholeRecordsInTheLogFormat() throws Exception {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 100, 100, 1));
            int fiveRecords = 0;
            for (long off = 10; off < 15; off++) {
                fiveRecords += RecordCodec.sizeOf(LogTesting.recordFor(off, 100, 1));
            }
            int sixth = RecordCodec.sizeOf(LogTesting.recordFor(15, 100, 1));
            LogSlice slice = log.slice(10, fiveRecords + sixth - 1);
            assertEquals(10, slice.firstOffset());
            assertEquals(15, slice.nextOffset());
            assertEquals(5, slice.recordCount());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(slice.sizeInBytes(), slice.transferTo(Channels.newChannel(out)));
            ByteBuffer bytes = ByteBuffer.wrap(out.toByteArray());
            CRC32C crc = new CRC32C();
            int p = 0;
            for (long off = 10; off < 15; off++) {
                assertEquals(null, StoredRecordLayout.validate(bytes, p, crc));
                assertRecordAt(off, RecordCodec.decode(bytes, p), 100);
                p += 4 + bytes.getInt(p);
            }
            assertEquals(bytes.limit(), p);
        }
    }

    @Test
    void sliceHandsOutAnOversizedFirstRecordWholeAndIsEmptyAtTheEnd() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 3, 5000, 1));
            LogSlice slice = log.slice(1, 100);
            assertEquals(1, slice.recordCount());
            assertEquals(RecordCodec.sizeOf(LogTesting.recordFor(1, 5000, 1)), slice.sizeInBytes());
            LogSlice empty = log.slice(3, 100);
            assertEquals(0, empty.recordCount());
            assertEquals(3, empty.firstOffset());
        }
    }

    @Test
    void everythingSurvivesCloseAndReopen() {
        try (SegmentedLog log = open(dir, config(4096))) {
            for (int i = 0; i < 30; i++) {
                log.append(batch(i * 7L, 7, 90, 5));
            }
        }
        try (SegmentedLog log = open(dir, config(4096))) {
            assertEquals(210, log.endOffset());
            List<StoredRecord> all = readAll(log);
            for (int i = 0; i < 210; i++) {
                assertRecordAt(i, all.get(i), 90);
            }
            assertEquals(210, log.append(batch(210, 1, 90, 5)));
        }
    }

    @Test
    void everyBatchPolicyFsyncsBeforeAppendReturns() {
        AtomicInteger fsyncs = new AtomicInteger();
        AtomicLong written = new AtomicLong();
        StorageListener listener = new StorageListener() {
            @Override
            public void fsyncCompleted(long nanos) {
                fsyncs.incrementAndGet();
            }

            @Override
            public void bytesWritten(String topic, int partition, long bytes) {
                written.addAndGet(bytes);
            }
        };
        LogConfig cfg = config(1 << 20).withSyncPolicy(SyncPolicy.EVERY_BATCH);
        try (SegmentedLog log = SegmentedLog.open(dir, "t", 0, cfg, listener, CLOCK::get)) {
            log.append(batch(0, 3, 10, 1));
            assertEquals(1, fsyncs.get());
            assertEquals(3, log.flushedOffset());
            log.append(batch(3, 3, 10, 1));
            assertEquals(2, fsyncs.get());
            assertEquals(log.sizeInBytes(), written.get());
        }
    }

    @Test
    void osPolicyDoesNotFsyncOnAppend() {
        AtomicInteger fsyncs = new AtomicInteger();
        StorageListener listener = new StorageListener() {
            @Override
            public void fsyncCompleted(long nanos) {
                fsyncs.incrementAndGet();
            }
        };
        try (SegmentedLog log = SegmentedLog.open(dir, "t", 0, config(1 << 20), listener, CLOCK::get)) {
            log.append(batch(0, 3, 10, 1));
            assertEquals(0, fsyncs.get());
            assertEquals(0, log.flushedOffset());
            log.flush();
            assertEquals(3, log.flushedOffset());
        }
    }

    @Test
    void emptyBatchIsRejected() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            assertThrows(IllegalArgumentException.class, () -> log.append(List.of()));
        }
    }

    @Test
    void useAfterCloseFailsWithTheLogName() {
        SegmentedLog log = open(dir, config(1 << 20));
        log.close();
        StorageException e = assertThrows(StorageException.class, () -> log.append(batch(0, 1, 1, 1)));
        assertTrue(e.getMessage().contains("t-0"), e.getMessage());
    }

    @Test
    void readersSeeOnlyWholeRecordsWhileTheWriterAppends() throws Exception {
        try (SegmentedLog log = open(dir, config(16 * 1024))) {
            int batches = 400;
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Thread t = new Thread(() -> {
                    try {
                        started.await();
                        long next = 0;
                        while (next < batches * 10L) {
                            List<StoredRecord> got = log.read(next, 50, 8192);
                            for (StoredRecord rec : got) {
                                assertRecordAt(next++, rec, 64);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                t.start();
                readers.add(t);
            }
            started.countDown();
            for (int i = 0; i < batches; i++) {
                log.append(batch(i * 10L, 10, 64, 1));
            }
            for (Thread t : readers) {
                t.join(20_000);
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
        }
    }

    @Test
    void aRecordLargerThanTheReadWindowIsReadWhole() {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            Record big = LogTesting.recordFor(0, 100_000, 1);
            log.append(List.of(big));
            assertRecordAt(0, log.read(0, 1, 10).get(0), 100_000);
        }
    }

    @Test
    void anInterruptedReaderDoesNotBreakTheLogForOthers() throws Exception {
        try (SegmentedLog log = open(dir, config(1 << 20))) {
            log.append(batch(0, 10, 100, 1));
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                Thread.currentThread().interrupt(); // a FileChannel closes itself when an interrupted thread uses it
                try {
                    log.read(0, 10, 1 << 20);
                } catch (Throwable e) {
                    seen.set(e);
                }
            });
            reader.start();
            reader.join(10_000);
            assertTrue(seen.get() instanceof StorageException, String.valueOf(seen.get()));
            assertRecordAt(3, log.read(3, 1, 1).get(0), 100);
            assertEquals(10, log.append(batch(10, 1, 100, 1)));
        }
    }

    @Test
    void listenerHearsOfBytesReadAndSegmentCounts() {
        AtomicLong read = new AtomicLong();
        AtomicInteger segments = new AtomicInteger();
        StorageListener listener = new StorageListener() {
            @Override
            public void bytesRead(String topic, int partition, long bytes) {
                read.addAndGet(bytes);
            }

            @Override
            public void segmentCountChanged(String topic, int partition, int count) {
                segments.set(count);
            }
        };
        try (SegmentedLog log = SegmentedLog.open(dir, "t", 0, config(4096), listener, CLOCK::get)) {
            assertEquals(1, segments.get());
            for (int i = 0; i < 20; i++) {
                log.append(batch(i * 5L, 5, 100, 1));
            }
            assertEquals(log.segmentCount(), segments.get());
            readAll(log);
            assertEquals(log.sizeInBytes(), read.get());
        }
    }

    @Test
    void offsetForTimestampWorksFromTheTimeIndexAfterReopen() {
        try (SegmentedLog log = open(dir, config(4096))) {
            for (int i = 0; i < 300; i++) {
                log.append(List.of(LogTesting.recordFor(i, 60, 10_000 + i)));
            }
        }
        try (SegmentedLog log = open(dir, config(4096))) {
            assertEquals(0, log.offsetForTimestamp(5));
            assertEquals(123, log.offsetForTimestamp(10_123));
            assertEquals(299, log.offsetForTimestamp(10_299));
            assertEquals(300, log.offsetForTimestamp(10_300));
        }
    }
}
