package flymq.broker.topic;

import flymq.protocol.RequestException;
import flymq.protocol.message.AlterTopicRequest;

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

    /**
     * These settings with one of the alterable ones ({@link AlterTopicRequest#SETTINGS}) set to {@code value}
     * (-1 = the broker default); the range is checked where the topic is changed ({@link TopicManager}).
     *
     * @throws RequestException naming the keys that can be changed, for any other key
     */
    public TopicSettings with(String key, long value) {
        return switch (key) {
            case AlterTopicRequest.RETENTION_MS -> new TopicSettings(partitions, replicationFactor, value,
                    retentionBytes, segmentBytes, segmentMs, ttlMs);
            case AlterTopicRequest.RETENTION_BYTES -> new TopicSettings(partitions, replicationFactor, retentionMs,
                    value, segmentBytes, segmentMs, ttlMs);
            case AlterTopicRequest.SEGMENT_BYTES -> new TopicSettings(partitions, replicationFactor, retentionMs,
                    retentionBytes, value, segmentMs, ttlMs);
            case AlterTopicRequest.SEGMENT_MS -> new TopicSettings(partitions, replicationFactor, retentionMs,
                    retentionBytes, segmentBytes, value, ttlMs);
            case AlterTopicRequest.TTL_MS -> withTtlMs(value);
            case "partitions" -> throw new RequestException("cannot change setting 'partitions' this way: partitions "
                    + "are added with CREATE_PARTITIONS (flymq topic alter --partitions); the settings that can be "
                    + "changed are " + AlterTopicRequest.SETTINGS);
            default -> throw new RequestException("unknown topic setting '" + key + "': the settings that can be "
                    + "changed are " + AlterTopicRequest.SETTINGS);
        };
    }

    /** These settings with every change applied, in order (see {@link #with}). */
    public TopicSettings with(java.util.Map<String, Long> changes) {
        TopicSettings s = this;
        for (java.util.Map.Entry<String, Long> e : changes.entrySet()) {
            s = s.with(e.getKey(), e.getValue());
        }
        return s;
    }

    public TopicSettings withPartitions(int count) {
        return new TopicSettings(count, replicationFactor, retentionMs, retentionBytes, segmentBytes, segmentMs,
                ttlMs);
    }

    public TopicSettings withTtlMs(long ttl) {
        return new TopicSettings(partitions, replicationFactor, retentionMs, retentionBytes, segmentBytes, segmentMs,
                ttl);
    }
}
