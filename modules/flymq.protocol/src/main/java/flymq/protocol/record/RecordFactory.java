package flymq.protocol.record;

import java.util.List;

/**
 * Builds the caller's own record objects while a decoder walks encoded records (stored records, BATCH_PRODUCE
 * groups), so each side keeps its record type and no intermediate object is made per record.
 *
 * @param <R> the caller's record type
 * @param <H> the caller's header type
 */
public interface RecordFactory<R, H> {

    H header(String name, byte[] value);

    /**
     * @param offset    the record's offset; -1 for a record not appended yet (BATCH_PRODUCE)
     * @param timestamp Unix milliseconds as encoded (BATCH_PRODUCE: {@code <= 0} asks for the server's clock)
     * @param key       the key, or {@code null} when the record has none
     * @param value     the value, never null
     * @param headers   in encoded order; {@code List.of()} when there are none
     */
    R record(long offset, long timestamp, byte[] key, byte[] value, List<H> headers);

    /**
     * A record that may carry an expiry ({@code StoredRecordLayout.NO_EXPIRY} when it has none). A factory that has
     * no use for the expiry keeps this default, which drops it.
     */
    default R record(long offset, long timestamp, byte[] key, byte[] value, List<H> headers, long expiresAt) {
        return record(offset, timestamp, key, value, headers);
    }
}
