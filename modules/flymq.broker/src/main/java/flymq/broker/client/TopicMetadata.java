package flymq.broker.client;

import java.util.List;

/**
 * METADATA (0x04, our layout in docs/protocol.md): a topic's effective settings and, per partition, its first
 * retained offset, next offset, size and segment count.
 */
public record TopicMetadata(String topic, int replicationFactor, long retentionMs, long retentionBytes,
        long segmentBytes, long segmentMs, long createdMs, List<PartitionOffsets> partitions) {
    public TopicMetadata {
        partitions = List.copyOf(partitions);
    }

    public record PartitionOffsets(int partition, String leaderId, long startOffset, long endOffset, long sizeBytes,
            int segmentCount) {
    }
}
