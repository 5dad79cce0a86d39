package flymq.client;

/** GET_LAG: committed position of a group on one partition, the partition's next offset, and their difference. */
public record GroupLag(long currentOffset, long committedOffset, long latestOffset, long lag) {
}
