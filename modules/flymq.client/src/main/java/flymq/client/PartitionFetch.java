package flymq.client;

import java.util.List;

/**
 * BATCH_FETCH answer for one partition: records with timestamps and headers, the partition's first retained offset
 * and next offset to be written, or the server's error text ({@code error} empty = ok). Expired records (TTL) are
 * not among the records; {@code afterLast} is the offset after the last record the answer held, expired or not
 * (-1 when it held none), so the next fetch starts past expired records too.
 */
public record PartitionFetch(int partition, String error, long startOffset, long endOffset, List<Message> records,
                             long afterLast) {
    public PartitionFetch {
        records = List.copyOf(records);
    }

    /** An answer whose records are all there (none expired). */
    public PartitionFetch(int partition, String error, long startOffset, long endOffset, List<Message> records) {
        this(partition, error, startOffset, endOffset, records,
                records.isEmpty() ? -1 : records.get(records.size() - 1).offset() + 1);
    }

    public boolean ok() {
        return error.isEmpty();
    }

    /** Where the next fetch of this partition should start, given it started at {@code requested}. */
    public long nextOffset(long requested) {
        return afterLast < 0 ? requested : afterLast;
    }
}
