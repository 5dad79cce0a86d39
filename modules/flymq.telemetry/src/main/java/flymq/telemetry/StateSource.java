package flymq.telemetry;

import java.nio.file.Path;
import java.util.List;

/**
 * Broker state that telemetry reads when it is asked (a scrape, a health probe), never on the message path.
 * The broker adapts its own view to this; telemetry knows nothing else of the broker.
 */
public interface StateSource {

    /** Client connections open right now. */
    int activeConnections();

    /** Every topic that exists now; a deleted topic is simply absent. */
    List<TopicState> topics();

    /** Every consumer group that exists now; a deleted group is simply absent. */
    List<GroupState> groups();

    /** Cluster facts; a single node reports itself as the only node and the leader. */
    ClusterState cluster();

    /** Recovery has finished and the node is not shutting down. */
    boolean ready();

    /** The node's data directory, probed by the storage health check. */
    Path dataDir();

    /**
     * Dead letters waiting in each origin topic's queue (not replayed), for the queues this node answers for; empty
     * for a source without dead-letter queues.
     */
    default java.util.Map<String, Long> dlqDepths() {
        return java.util.Map.of();
    }

    /** Delayed delivery and TTL counts; all zero for a source that has neither. */
    default TimedRecordsState timedRecords() {
        return TimedRecordsState.NONE;
    }

    /**
     * Delayed records scheduled and neither delivered nor cancelled ({@code delayedPending}); delivered, cancelled and
     * dropped (due, but their topic or partition was gone) since the node started; and expired records that reads
     * passed over since the node started ({@code expiredSkipped}).
     */
    record TimedRecordsState(long delayedPending, long delayedDelivered, long delayedCancelled, long delayedDropped,
                             long expiredSkipped) {
        public static final TimedRecordsState NONE = new TimedRecordsState(0, 0, 0, 0, 0);

        public boolean any() {
            return delayedPending != 0 || delayedDelivered != 0 || delayedCancelled != 0 || delayedDropped != 0
                    || expiredSkipped != 0;
        }
    }

    /** A topic and the state of each of its partitions. */
    record TopicState(String name, List<PartitionState> partitions) {
        public TopicState {
            partitions = List.copyOf(partitions);
        }
    }

    /**
     * One partition of a topic: {@code oldestOffset} is the first offset still stored, {@code newestOffset} the last
     * one written ({@code -1} when empty), {@code messages} the records stored, {@code bytes} its size on disk.
     */
    record PartitionState(int partition, long oldestOffset, long newestOffset, long messages, long bytes,
                          int segments) {
    }

    /** A consumer group: its live members and, per subscribed partition, how far it lags the newest offset. */
    record GroupState(String group, int members, List<GroupPartitionState> partitions) {
        public GroupState {
            partitions = List.copyOf(partitions);
        }
    }

    /** A group's position in one partition: {@code lag} = messages after its committed offset. */
    record GroupPartitionState(String topic, int partition, long committedOffset, long lag) {
    }

    /**
     * What this node knows of its cluster. {@code leaderId} is empty when no leader is known;
     * {@code elections} counts leader elections since start (a counter, read at scrape time).
     */
    /**
     * @param authFailures cluster connections refused for authentication ({@code flymq_cluster_auth_failures_total});
     *                     -1 when the node has no cluster transport (a single node), which shows no such series
     * @param reassignments partition reassignments in progress as this node has applied the metadata log
     *                      ({@code flymq_cluster_reassignments_in_progress}); -1 on a single node (no series)
     */
    record ClusterState(int nodes, String nodeId, String leaderId, long raftTerm, long commitIndex, long elections,
                        long authFailures, long reassignments) {
        public ClusterState(int nodes, String nodeId, String leaderId, long raftTerm, long commitIndex,
                            long elections) {
            this(nodes, nodeId, leaderId, raftTerm, commitIndex, elections, -1, -1);
        }

        public ClusterState(int nodes, String nodeId, String leaderId, long raftTerm, long commitIndex,
                            long elections, long authFailures) {
            this(nodes, nodeId, leaderId, raftTerm, commitIndex, elections, authFailures, -1);
        }

        /** The values a single node reports for itself. */
        public static ClusterState singleNode(String nodeId) {
            return new ClusterState(1, nodeId, nodeId, 1, 0, 1);
        }

        public boolean leaderKnown() {
            return leaderId != null && !leaderId.isEmpty();
        }

        public boolean isLeader() {
            return leaderKnown() && leaderId.equals(nodeId);
        }
    }
}
