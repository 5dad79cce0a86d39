package flymq.client;

import java.util.List;

/**
 * BATCH_FETCH answer for one partition: records with timestamps and headers, the partition's first retained offset
 * and next offset to be written, or the server's error text ({@code error} empty = ok).
 */
public record PartitionFetch(int partition, String error, long startOffset, long endOffset, List<Message> records) {
    public PartitionFetch {
        records = List.copyOf(records);
    }

    public boolean ok() {
        return error.isEmpty();
    }

    /** Where the next fetch of this partition should start, given it started at {@code requested}. */
    public long nextOffset(long requested) {
        return records.isEmpty() ? requested : records.get(records.size() - 1).offset() + 1;
    }
}
