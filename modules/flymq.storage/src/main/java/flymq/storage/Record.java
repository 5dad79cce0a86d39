package flymq.storage;

import flymq.protocol.record.StoredRecordLayout;
import java.util.List;
import java.util.Objects;

/**
 * A record to append. The log assigns its offset.
 *
 * @param timestamp record time in Unix milliseconds (used by time retention and {@link PartitionLog#offsetForTimestamp})
 * @param key       key bytes; {@code null} or empty means "no key" (both are stored as "no key")
 * @param value     value bytes, not null (may be empty)
 * @param headers   headers, never null ({@code List.of()} for none)
 * @param expiresAt Unix milliseconds from which the record is expired (TTL), or {@link #NO_EXPIRY}; stored with the
 *                  record ({@code StoredRecordLayout}), so it survives restarts and travels with replication
 */
public record Record(long timestamp, byte[] key, byte[] value, List<Header> headers, long expiresAt) {
    /** The expiresAt of a record that never expires. */
    public static final long NO_EXPIRY = StoredRecordLayout.NO_EXPIRY;

    public Record {
        Objects.requireNonNull(value, "record value");
        Objects.requireNonNull(headers, "record headers (use List.of())");
        if (expiresAt < 0) {
            throw new IllegalArgumentException("expiresAt must be a Unix time in ms or 0 (never), got " + expiresAt);
        }
    }

    /** A record that never expires. */
    public Record(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        this(timestamp, key, value, headers, NO_EXPIRY);
    }

    /** A record without key and headers. */
    public static Record of(long timestamp, byte[] value) {
        return new Record(timestamp, null, value, List.of());
    }
}
