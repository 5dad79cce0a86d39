package flymq.client;

/**
 * BATCH_PRODUCE answer for one partition: the offset given to its first record (the others follow contiguously),
 * or the server's error text for that partition ({@code error} empty = appended). With acks NONE the base offset is
 * -1: the server answered before appending.
 */
public record PartitionAppend(int partition, long baseOffset, int recordCount, String error) {
    public boolean ok() {
        return error.isEmpty();
    }
}
