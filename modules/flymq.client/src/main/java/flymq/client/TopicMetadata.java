package flymq.client;

import java.util.List;

/** METADATA (0x04, our layout): a topic's settings and, per partition, its leader and log state. */
public record TopicMetadata(String topic, int partitionCount, int replicationFactor, long retentionMs,
                            long retentionBytes, long segmentBytes, long segmentMs, long createdMs,
                            List<PartitionState> partitions) {
    public TopicMetadata {
        partitions = List.copyOf(partitions);
    }

    public record PartitionState(int partition, String leaderId, long startOffset, long endOffset, long sizeBytes,
                                 int segmentCount) {
    }
}
