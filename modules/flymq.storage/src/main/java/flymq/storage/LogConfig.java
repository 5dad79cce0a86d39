package flymq.storage;

import java.util.Objects;

/**
 * Per-partition log settings.
 *
 * @param segmentBytes   roll the active segment when the next batch would make it larger than this (1 KiB .. 1 GiB)
 * @param segmentMs      roll the active segment when its first record is older than this (milliseconds, > 0)
 * @param retentionBytes delete oldest whole segments while the log stays at least this big without them; 0 = unlimited
 * @param retentionMs    delete whole segments whose newest record is older than this (milliseconds); 0 = unlimited
 * @param syncPolicy     when appends are fsynced
 * @param syncIntervalMs fsync period for {@link SyncPolicy#INTERVAL} (milliseconds, > 0)
 */
public record LogConfig(long segmentBytes, long segmentMs, long retentionBytes, long retentionMs,
                        SyncPolicy syncPolicy, long syncIntervalMs) {

    public static final long MIN_SEGMENT_BYTES = 1024;
    public static final long MAX_SEGMENT_BYTES = 1L << 30;
    private static final long DAY_MS = 24L * 60 * 60 * 1000;

    public LogConfig {
        Objects.requireNonNull(syncPolicy, "syncPolicy");
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes must be in [" + MIN_SEGMENT_BYTES + ", "
                    + MAX_SEGMENT_BYTES + "], got " + segmentBytes);
        }
        if (segmentMs <= 0) {
            throw new IllegalArgumentException("segmentMs must be > 0, got " + segmentMs);
        }
        if (retentionBytes < 0) {
            throw new IllegalArgumentException("retentionBytes must be >= 0 (0 = unlimited), got " + retentionBytes);
        }
        if (retentionMs < 0) {
            throw new IllegalArgumentException("retentionMs must be >= 0 (0 = unlimited), got " + retentionMs);
        }
        if (syncIntervalMs <= 0) {
            throw new IllegalArgumentException("syncIntervalMs must be > 0, got " + syncIntervalMs);
        }
    }

    /** segmentBytes 64 MiB, segmentMs 7 days, retentionBytes 0 (unlimited), retentionMs 7 days, INTERVAL every 5 ms. */
    public static LogConfig defaults() {
        return new LogConfig(64L << 20, 7 * DAY_MS, 0, 7 * DAY_MS, SyncPolicy.INTERVAL, 5);
    }

    public LogConfig withSegmentBytes(long value) {
        return new LogConfig(value, segmentMs, retentionBytes, retentionMs, syncPolicy, syncIntervalMs);
    }

    public LogConfig withSegmentMs(long value) {
        return new LogConfig(segmentBytes, value, retentionBytes, retentionMs, syncPolicy, syncIntervalMs);
    }

    public LogConfig withRetentionBytes(long value) {
        return new LogConfig(segmentBytes, segmentMs, value, retentionMs, syncPolicy, syncIntervalMs);
    }

    public LogConfig withRetentionMs(long value) {
        return new LogConfig(segmentBytes, segmentMs, retentionBytes, value, syncPolicy, syncIntervalMs);
    }

    public LogConfig withSyncPolicy(SyncPolicy value) {
        return new LogConfig(segmentBytes, segmentMs, retentionBytes, retentionMs, value, syncIntervalMs);
    }

    public LogConfig withSyncIntervalMs(long value) {
        return new LogConfig(segmentBytes, segmentMs, retentionBytes, retentionMs, syncPolicy, value);
    }
}
