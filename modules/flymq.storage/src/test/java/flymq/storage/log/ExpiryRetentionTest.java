package flymq.storage.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.storage.LogConfig;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import flymq.storage.SyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records with an expiry (TTL) in the log: stored and read back with it, counted by {@link
 * SegmentedLog#countExpired}, and deleted by retention with their segment once every record in it has expired,
 * oldest segments first; the per-segment knowledge survives a reopen through the {@code .expiring} marker.
 */
class ExpiryRetentionTest {
    static final long T0 = 1_000_000;

    @TempDir
    Path dir;
    final AtomicLong clock = new AtomicLong(T0);

    SegmentedLog open() {
        LogConfig cfg = LogConfig.defaults().withSegmentBytes(1024).withRetentionMs(0).withSyncPolicy(SyncPolicy.OS);
        return SegmentedLog.open(dir, "t", 0, cfg, StorageListener.NONE, clock::get);
    }

    static Record expiring(long expiresAt) {
        return new Record(T0, null, new byte[100], List.of(), expiresAt);
    }

    static Record plain() {
        return new Record(T0, null, new byte[100], List.of());
    }

    List<String> markers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".expiring")).sorted()
                    .toList();
        }
    }

    @Test
    void theExpiryIsStoredWithTheRecord() {
        try (SegmentedLog log = open()) {
            log.append(List.of(expiring(T0 + 5), plain()));
            List<StoredRecord> back = log.read(0, 10, 1 << 20);
            assertEquals(T0 + 5, back.get(0).expiresAt());
            assertEquals(Record.NO_EXPIRY, back.get(1).expiresAt());
            assertTrue(back.get(0).expiredAt(T0 + 5));
            assertTrue(!back.get(0).expiredAt(T0 + 4) && !back.get(1).expiredAt(Long.MAX_VALUE));
        }
    }

    @Test
    void onlySegmentsWithExpiringRecordsAreMarked() throws IOException {
        try (SegmentedLog log = open()) {
            for (int i = 0; i < 20; i++) {
                log.append(List.of(plain())); // ~135 bytes each: several segments
            }
            assertEquals(List.of(), markers());
            log.append(List.of(expiring(T0 + 1)));
            assertEquals(1, markers().size());
        }
    }

    @Test
    void retentionDeletesAllExpiredSegmentsOldestFirstAndStopsAtALiveOne() {
        try (SegmentedLog log = open()) {
            for (int i = 0; i < 20; i++) {
                log.append(List.of(expiring(T0 + 100)));
            }
            log.append(List.of(plain())); // offset 20 never expires
            for (int i = 0; i < 20; i++) {
                log.append(List.of(expiring(T0 + 100)));
            }
            int segments = log.segmentCount();
            assertEquals(0, log.enforceRetention(), "nothing has expired yet");
            clock.set(T0 + 100);
            int deleted = log.enforceRetention();
            assertTrue(deleted > 0 && deleted < segments, deleted + " of " + segments);
            assertTrue(log.startOffset() > 0 && log.startOffset() <= 20, "start " + log.startOffset());
            assertEquals(20, log.read(20, 1, 1 << 20).get(0).offset(), "the live record's segment stays");
            assertEquals(log.endOffset() - log.startOffset() - 1, log.countExpired(0, log.endOffset(), clock.get()));
            assertEquals(0, log.countExpired(0, log.endOffset(), T0 + 99));
        }
    }

    @Test
    void theActiveSegmentIsRolledAndDeletedWhenAllOfItExpired() {
        try (SegmentedLog log = open()) {
            log.append(List.of(expiring(T0 + 10), expiring(T0 + 20)));
            clock.set(T0 + 20);
            assertEquals(1, log.enforceRetention());
            assertEquals(2, log.startOffset());
            assertEquals(2, log.endOffset());
        }
    }

    @Test
    void expiriesAreKnownAgainAfterAReopen() throws IOException {
        try (SegmentedLog log = open()) {
            for (int i = 0; i < 20; i++) {
                log.append(List.of(expiring(T0 + 100 + i)));
            }
            log.append(List.of(plain()));
        }
        try (SegmentedLog log = open()) {
            assertEquals(5, log.countExpired(0, 21, T0 + 104));
            assertEquals(3, log.countExpired(2, 5, T0 + 1000));
            clock.set(T0 + 200);
            assertTrue(log.enforceRetention() > 0);
            assertTrue(log.startOffset() > 0);
            assertEquals(log.endOffset() - log.startOffset() - 1, log.countExpired(0, 21, clock.get()));
        }
    }
}
