package flymq.storage;

/** A topic name and a partition number: the identity of one {@link PartitionLog}. */
public record TopicPartition(String topic, int partition) {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
