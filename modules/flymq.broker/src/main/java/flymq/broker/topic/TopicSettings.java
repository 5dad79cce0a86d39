package flymq.broker.topic;

/**
 * How a topic was created. The four log settings are per-topic overrides; {@code -1} means "the broker's default"
 * so that changing the broker configuration applies to topics that did not override it.
 */
public record TopicSettings(int partitions, int replicationFactor, long retentionMs, long retentionBytes,
                            long segmentBytes, long segmentMs) {
    public static final long DEFAULT = -1;

    public static TopicSettings ofPartitions(int partitions) {
        return new TopicSettings(partitions, 1, DEFAULT, DEFAULT, DEFAULT, DEFAULT);
    }
}
