package flymq.storage;

import java.util.List;
import java.util.Objects;

/**
 * A record to append. The log assigns its offset.
 *
 * @param timestamp record time in Unix milliseconds (used by time retention and {@link PartitionLog#offsetForTimestamp})
 * @param key       key bytes; {@code null} or empty means "no key" (both are stored as "no key")
 * @param value     value bytes, not null (may be empty)
 * @param headers   headers, never null ({@code List.of()} for none)
 */
public record Record(long timestamp, byte[] key, byte[] value, List<Header> headers) {
    public Record {
        Objects.requireNonNull(value, "record value");
        Objects.requireNonNull(headers, "record headers (use List.of())");
    }

    /** A record without key and headers. */
    public static Record of(long timestamp, byte[] value) {
        return new Record(timestamp, null, value, List.of());
    }
}
