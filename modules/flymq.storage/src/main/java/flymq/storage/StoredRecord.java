package flymq.storage;

import java.util.List;

/**
 * A record as read back from a log.
 *
 * @param offset    its offset in the partition
 * @param timestamp the timestamp it was appended with
 * @param key       key bytes, or {@code null} when the record has no key (an empty key was stored as "no key")
 * @param value     value bytes, never null
 * @param headers   headers in append order, never null
 */
public record StoredRecord(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {}
