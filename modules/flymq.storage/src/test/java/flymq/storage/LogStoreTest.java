package flymq.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {

    @TempDir
    Path dataDir;

    private static List<Record> values(String... values) {
        return Arrays.stream(values).map(v -> Record.of(System.currentTimeMillis(), v.getBytes())).toList();
    }

    @Test
    void partitionsAreStoredUnderLogsTopicDashPartition() {
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE)) {
            PartitionLog log = store.getOrCreate("orders", 2, LogConfig.defaults());
            log.append(values("a"));
            assertEquals("orders", log.topic());
            assertEquals(2, log.partition());
            assertSame(log, store.getOrCreate("orders", 2, LogConfig.defaults()));
            assertSame(log, store.get("orders", 2).orElseThrow());
            assertTrue(store.get("orders", 3).isEmpty());
        }
        assertTrue(Files.exists(dataDir.resolve("logs/orders-2/00000000000000000000.log")));
    }

    @Test
    void aSegmentSealedUnderTheOsPolicyIsSyncedInTheBackgroundRightAfterTheRoll() throws Exception {
        CountDownLatch synced = new CountDownLatch(1);
        StorageListener listener = onFsync(synced::countDown);
        LogConfig os = LogConfig.defaults().withSyncPolicy(SyncPolicy.OS).withSegmentBytes(1024);
        // Housekeeping an hour away: only the roll itself can have the sealed segment synced.
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), os, listener, Duration.ofHours(1))) {
            PartitionLog log = store.getOrCreate("t", 0, os);
            for (int i = 0; i < 30 && log.segmentCount() < 2; i++) {
                log.append(values("0123456789012345678901234567890123456789012345678901234567890123456789"));
            }
            assertTrue(log.segmentCount() >= 2, "rolled");
            assertTrue(synced.await(10, TimeUnit.SECONDS), "sealed segment fsynced");
        }
    }

    @Test
    void logsAreRecoveredWhenTheStoreReopens() {
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE)) {
            store.getOrCreate("a-b", 0, LogConfig.defaults()).append(values("x", "y"));
            store.getOrCreate("a-b", 1, LogConfig.defaults()).append(values("z"));
        }
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE)) {
            assertEquals(Set.of(new TopicPartition("a-b", 0), new TopicPartition("a-b", 1)), store.partitions());
            PartitionLog log = store.get("a-b", 0).orElseThrow();
            assertEquals(2, log.endOffset());
            assertArrayEquals("y".getBytes(), log.read(1, 1, 100).get(0).value());
        }
    }

    @Test
    void deleteTopicRemovesOnlyItsPartitions() {
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE)) {
            store.getOrCreate("gone", 0, LogConfig.defaults()).append(values("1"));
            store.getOrCreate("gone", 1, LogConfig.defaults()).append(values("1"));
            store.getOrCreate("kept", 0, LogConfig.defaults()).append(values("1"));
            store.deleteTopic("gone");
            store.deleteTopic("never-existed");
            assertEquals(Set.of(new TopicPartition("kept", 0)), store.partitions());
            assertFalse(Files.exists(dataDir.resolve("logs/gone-0")));
            assertEquals(0, store.getOrCreate("gone", 0, LogConfig.defaults()).endOffset());
        }
    }

    @Test
    void invalidTopicNamesAndPartitionsAreRejected() {
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE)) {
            assertThrows(IllegalArgumentException.class, () -> store.getOrCreate("../etc", 0, LogConfig.defaults()));
            assertThrows(IllegalArgumentException.class, () -> store.getOrCreate("", 0, LogConfig.defaults()));
            assertThrows(IllegalArgumentException.class, () -> store.getOrCreate("..", 0, LogConfig.defaults()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> store.getOrCreate("t", -1, LogConfig.defaults()));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
        }
    }

    @Test
    void intervalPolicyIsFlushedInTheBackground() throws Exception {
        CountDownLatch fsynced = new CountDownLatch(1);
        StorageListener listener = new StorageListener() {
            @Override
            public void fsyncCompleted(long nanos) {
                fsynced.countDown();
            }
        };
        LogConfig cfg = LogConfig.defaults().withSyncPolicy(SyncPolicy.INTERVAL).withSyncIntervalMs(5);
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), cfg, listener)) {
            store.getOrCreate("t", 0, cfg).append(values("a"));
            assertTrue(fsynced.await(10, TimeUnit.SECONDS), "no background fsync");
        }
    }

    @Test
    void everyAppendAfterABackgroundFlushIsFlushedInTurn() throws Exception {
        java.util.concurrent.Semaphore fsyncs = new java.util.concurrent.Semaphore(0);
        StorageListener listener = onFsync(fsyncs::release);
        LogConfig cfg = LogConfig.defaults().withSyncPolicy(SyncPolicy.INTERVAL).withSyncIntervalMs(5);
        // no housekeeping pass during the test: only the background flush fsyncs
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), cfg, listener, Duration.ofHours(1))) {
            PartitionLog log = store.getOrCreate("t", 0, cfg);
            for (int i = 0; i < 3; i++) { // the flush of one append re-arms the signal for the next
                fsyncs.drainPermits();
                log.append(values("v" + i));
                assertTrue(fsyncs.tryAcquire(10, TimeUnit.SECONDS), "append " + i + " never flushed");
            }
        }
    }

    @Test
    void aFailingBackgroundFlushIsRetriedAfterLongerAndLongerWaitsUntilItSucceeds() throws Exception {
        int failing = 5;
        java.util.concurrent.ConcurrentLinkedQueue<Long> attempts = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.Semaphore succeeded = new java.util.concurrent.Semaphore(0);
        StorageListener listener = onFsync(() -> {
            attempts.add(System.nanoTime());
            if (attempts.size() <= failing) {
                throw new IllegalStateException("injected flush failure " + attempts.size());
            }
            succeeded.release();
        });
        LogConfig cfg = LogConfig.defaults().withSyncPolicy(SyncPolicy.INTERVAL).withSyncIntervalMs(5);
        // no housekeeping pass during the test: only the background flush fsyncs
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), cfg, listener, Duration.ofHours(1))) {
            PartitionLog log = store.getOrCreate("t", 0, cfg);
            log.append(values("a"));
            assertTrue(succeeded.tryAcquire(30, TimeUnit.SECONDS), "the flush never succeeded");
            Long[] at = attempts.toArray(Long[]::new);
            // a retry never comes before its wait: 10, 20, 40, 80 and 160 ms after failures 1 to 5
            long[] expectedMs = {10, 20, 40, 80, 160};
            for (int i = 1; i <= failing; i++) {
                long waitedMs = (at[i] - at[i - 1]) / 1_000_000;
                assertTrue(waitedMs >= expectedMs[i - 1] - 1,
                        "retry " + i + " after " + waitedMs + " ms, expected at least " + expectedMs[i - 1]);
            }
            log.append(values("b"));
            assertTrue(succeeded.tryAcquire(30, TimeUnit.SECONDS), "the next append was never flushed");
            assertEquals(failing + 2, attempts.size());
        }
    }

    @Test
    void theRetryWaitDoublesUpToASecond() {
        assertEquals(5, LogStore.flushDelayMs(5, 0));
        assertEquals(10, LogStore.flushDelayMs(5, 1));
        assertEquals(640, LogStore.flushDelayMs(5, 7));
        assertEquals(LogStore.MAX_FLUSH_RETRY_MS, LogStore.flushDelayMs(5, 8));
        assertEquals(LogStore.MAX_FLUSH_RETRY_MS, LogStore.flushDelayMs(5, Integer.MAX_VALUE));
        assertEquals(2_000, LogStore.flushDelayMs(2_000, 3)); // an interval above the cap is kept
        assertEquals(2, LogStore.flushDelayMs(0, 1));
    }

    @Test
    void housekeepingAppliesRetentionAndWritesTheRecoveryPoint() {
        LogConfig cfg = LogConfig.defaults().withSegmentBytes(4096).withRetentionBytes(4096)
                .withSyncPolicy(SyncPolicy.EVERY_BATCH);
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), cfg, StorageListener.NONE, Duration.ofHours(1))) {
            PartitionLog log = store.getOrCreate("t", 0, cfg);
            for (int i = 0; i < 100; i++) {
                log.append(List.of(Record.of(System.currentTimeMillis(), new byte[200])));
            }
            int before = log.segmentCount();
            store.runHousekeeping();
            assertTrue(log.segmentCount() < before);
            assertTrue(log.startOffset() > 0);
            assertTrue(Files.exists(dataDir.resolve("logs/t-0/recovery-point")));
        }
    }

    @Test
    void getOrCreateAppliesTheGivenConfigToALogFoundOnDisk() {
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE)) {
            store.getOrCreate("t", 0, LogConfig.defaults()).append(values("a"));
        }
        LogConfig small = LogConfig.defaults().withSegmentBytes(1024);
        try (LogStore store = LogStore.open(dataDir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE)) {
            PartitionLog log = store.getOrCreate("t", 0, small);
            for (int i = 0; i < 20; i++) {
                log.append(List.of(Record.of(1, new byte[200])));
            }
            assertTrue(log.segmentCount() > 1);
        }
    }

    /** A listener that runs {@code action} after each completed fsync. */
    private static StorageListener onFsync(Runnable action) {
        return new StorageListener() {
            @Override
            public void fsyncCompleted(long nanos) {
                action.run();
            }
        };
    }
}
