package flymq.storage;

import flymq.protocol.record.StoredRecordLayout;
import java.util.List;

/**
 * A record as read back from a log.
 *
 * @param offset    its offset in the partition
 * @param timestamp the timestamp it was appended with
 * @param key       key bytes, or {@code null} when the record has no key (an empty key was stored as "no key")
 * @param value     value bytes, never null
 * @param headers   headers in append order, never null
 * @param expiresAt Unix milliseconds from which the record is expired, or {@link Record#NO_EXPIRY}
 */
public record StoredRecord(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers,
                           long expiresAt) {

    /** A record that never expires. */
    public StoredRecord(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        this(offset, timestamp, key, value, headers, Record.NO_EXPIRY);
    }

    /** True when the record has expired at {@code nowMs}: no read path hands it out from then on. */
    public boolean expiredAt(long nowMs) {
        return StoredRecordLayout.isExpired(expiresAt, nowMs);
    }
}
