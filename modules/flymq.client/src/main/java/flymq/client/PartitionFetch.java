package flymq.client;

import java.util.List;

/**
 * BATCH_FETCH answer for one partition: records with timestamps and headers, the partition's first retained offset
 * and next offset to be written, or the server's error text ({@code error} empty = ok).
 *
 * @param lastOffset the offset of the last record the answer held, a skipped transaction marker included (-1: none),
 *                   so that the next fetch starts after records that were no messages
 */
public record PartitionFetch(int partition, String error, long startOffset, long endOffset, List<Message> records,
                             long lastOffset) {
    public PartitionFetch {
        records = List.copyOf(records);
        if (!records.isEmpty()) {
            lastOffset = Math.max(lastOffset, records.get(records.size() - 1).offset());
        }
    }

    /** An answer whose last record is its last message. */
    public PartitionFetch(int partition, String error, long startOffset, long endOffset, List<Message> records) {
        this(partition, error, startOffset, endOffset, records, -1);
    }

    public boolean ok() {
        return error.isEmpty();
    }

    /** Where the next fetch of this partition should start, given it started at {@code requested}. */
    public long nextOffset(long requested) {
        return lastOffset < 0 ? requested : lastOffset + 1;
    }
}
