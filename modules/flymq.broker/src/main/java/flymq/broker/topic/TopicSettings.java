package flymq.broker.topic;

/**
 * How a topic was created. The four log settings and {@code ttlMs} are per-topic overrides; {@code -1} means "the
 * broker's default" so that changing the broker configuration applies to topics that did not override it.
 *
 * @param ttlMs the time to live of the topic's records produced without one of their own (milliseconds; 0 = they never
 *              expire; -1 = {@code ttl.default_ttl})
 */
public record TopicSettings(int partitions, int replicationFactor, long retentionMs, long retentionBytes,
                            long segmentBytes, long segmentMs, long ttlMs) {
    public static final long DEFAULT = -1;

    /** Settings without a TTL of the topic's own. */
    public TopicSettings(int partitions, int replicationFactor, long retentionMs, long retentionBytes,
                         long segmentBytes, long segmentMs) {
        this(partitions, replicationFactor, retentionMs, retentionBytes, segmentBytes, segmentMs, DEFAULT);
    }

    public static TopicSettings ofPartitions(int partitions) {
        return new TopicSettings(partitions, 1, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT);
    }

    public TopicSettings withTtlMs(long ttl) {
        return new TopicSettings(partitions, replicationFactor, retentionMs, retentionBytes, segmentBytes, segmentMs,
                ttl);
    }
}
