package flymq.broker.topic;

import flymq.storage.Record;
import java.time.InstantSource;
import java.util.concurrent.atomic.LongAdder;

/**
 * When a produced record expires (TTL, docs/delayed-and-ttl.md): a time to live given with the record
 * (PRODUCE_WITH_TTL, the BATCH_PRODUCE header) wins, else the topic's {@code ttl_ms}, else {@code ttl.default_ttl};
 * none of them means never. The expiry is an absolute Unix
 * time stored with the record ({@code StoredRecordLayout}), computed here once from the broker's clock, so every
 * replica and every restart agrees on it. Also the broker's clock for everyone who asks "is it expired now?" and
 * "is it due now?", so a test moves one clock for all of them.
 */
public final class RecordExpiry {
    private final InstantSource clock;
    private final long defaultTtlMs;
    private final LongAdder skipped = new LongAdder();

    /** @param defaultTtlMs {@code ttl.default_ttl} in milliseconds, 0 for none */
    public RecordExpiry(InstantSource clock, long defaultTtlMs) {
        if (defaultTtlMs < 0) {
            throw new IllegalArgumentException("defaultTtlMs must be >= 0, got " + defaultTtlMs);
        }
        this.clock = clock;
        this.defaultTtlMs = defaultTtlMs;
    }

    /** The broker's wall clock, Unix milliseconds. */
    public long nowMs() {
        return clock.millis();
    }

    public InstantSource clock() {
        return clock;
    }

    /** Counts expired records a read passed over (the {@code flymq_ttl_expired_skipped_total} metric). */
    public void skipped(long records) {
        if (records > 0) {
            skipped.add(records);
        }
    }

    /** Expired records reads passed over since the node started. */
    public long skipped() {
        return skipped.sum();
    }

    /**
     * The expiry of a record produced into {@code topic} at {@code producedMs} without a time to live of its own:
     * the topic's {@code ttl_ms} when it has one (0: never), else {@code ttl.default_ttl}.
     */
    public long defaultExpiresAt(Topic topic, long producedMs) {
        long ttl = ttlMs(topic);
        return ttl == 0 ? Record.NO_EXPIRY : expiresAt(producedMs, ttl);
    }

    /** The time to live of records produced into {@code topic} without one of their own: 0 = they never expire. */
    public long ttlMs(Topic topic) {
        return topic.settings().ttlMs() == TopicSettings.DEFAULT ? defaultTtlMs : topic.settings().ttlMs();
    }

    /** The expiry of a record produced at {@code producedMs} that lives {@code ttlMs} (> 0). */
    public static long expiresAt(long producedMs, long ttlMs) {
        long at = producedMs + ttlMs;
        return at < producedMs ? Long.MAX_VALUE : Math.max(at, 1); // saturate; 0 would mean "never"
    }
}
