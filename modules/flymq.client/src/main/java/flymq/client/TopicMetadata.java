package flymq.client;

import java.util.List;

/**
 * METADATA (0x04, our layout): a topic's settings and, per partition, its leader and log state. {@code ttlMs} is
 * the topic's effective time to live (0 = its records never expire; -1 = the broker did not say).
 */
public record TopicMetadata(String topic, int partitionCount, int replicationFactor, long retentionMs,
                            long retentionBytes, long segmentBytes, long segmentMs, long createdMs,
                            List<PartitionState> partitions, long ttlMs) {
    public TopicMetadata {
        partitions = List.copyOf(partitions);
    }

    /** Without a known TTL. */
    public TopicMetadata(String topic, int partitionCount, int replicationFactor, long retentionMs,
                         long retentionBytes, long segmentBytes, long segmentMs, long createdMs,
                         List<PartitionState> partitions) {
        this(topic, partitionCount, replicationFactor, retentionMs, retentionBytes, segmentBytes, segmentMs,
                createdMs, partitions, -1);
    }

    public record PartitionState(int partition, String leaderId, long startOffset, long endOffset, long sizeBytes,
                                 int segmentCount) {
    }
}
