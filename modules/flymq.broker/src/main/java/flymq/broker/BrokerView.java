package flymq.broker;

import java.nio.file.Path;
import java.util.List;

/**
 * Read-only state of a running broker, read when metrics are scraped or health is probed. Each call builds a fresh
 * snapshot, so keep calls to scrape frequency.
 */
public interface BrokerView {

    String nodeId();

    Path dataDir();

    /** Recovery finished and the broker is not shutting down. */
    boolean ready();

    int activeConnections();

    long totalConnections();

    List<TopicInfo> topics();

    List<GroupInfo> groups();

    /** Delayed delivery and TTL counts (docs/delayed-and-ttl.md); zero where the node has neither. */
    default TimedRecords timedRecords() {
        return TimedRecords.NONE;
    }

    /**
     * Dead letters not replayed yet per origin topic, of the queues this node leads (docs/dlq.md); empty when
     * dead-letter queues are off.
     */
    default java.util.Map<String, Long> dlqDepths() {
        return java.util.Map.of();
    }

    /**
     * Delayed records pending (scheduled, neither delivered nor cancelled), and delivered, cancelled and dropped since
     * start; expired records CONSUME and FETCH passed over since start.
     */
    record TimedRecords(long delayedPending, long delayedDelivered, long delayedCancelled, long delayedDropped,
                        long expiredSkipped) {
        public static final TimedRecords NONE = new TimedRecords(0, 0, 0, 0, 0);
    }

    /** One topic: its settings and per-partition log state. */
    record TopicInfo(String name, int replicationFactor, List<PartitionInfo> partitions) {
    }

    /** One partition log: first retained offset, next offset to assign, bytes on disk, segment files. */
    record PartitionInfo(int partition, long startOffset, long endOffset, long sizeBytes, int segmentCount) {
    }

    /**
     * One consumer group as the protocol scopes it: a (topic, group id) pair. {@code rebalances} counts member joins
     * and leaves since the group was created (durable).
     */
    record GroupInfo(String group, String topic, List<String> members, long rebalances,
                     List<GroupPartitionInfo> partitions) {
    }

    /** Committed offset of one partition and its lag: endOffset - committed, 0 at or past the end. */
    record GroupPartitionInfo(int partition, long committedOffset, long endOffset, long lag) {
    }
}
