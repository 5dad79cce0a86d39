package flymq.broker.client;

import java.util.List;

/** METADATA (0x04): a topic's partitions with their first retained offset and next offset. */
public record TopicMetadata(String topic, List<PartitionOffsets> partitions) {
    public TopicMetadata {
        partitions = List.copyOf(partitions);
    }

    public record PartitionOffsets(int partition, int leaderId, long startOffset, long endOffset) {
    }
}
