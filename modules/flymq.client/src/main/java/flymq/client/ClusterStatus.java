package flymq.client;

import java.util.List;

/**
 * CLUSTER_STATUS (0x52, our layout): the answering node, the controller, every node, totals, and the partitions the
 * answering node leads with their replicas' progress.
 *
 * @param commitIndex the answering node's committed metadata log index (0 on a single node or an older broker)
 * @param led         the partitions the answering node leads (empty on a single node or an older broker); only a
 *                    partition's leader tracks its replicas, so a cluster-wide view asks every node
 */
public record ClusterStatus(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                            List<Node> nodes, int topicCount, int partitionCount, long commitIndex,
                            List<LedPartition> led) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
        led = List.copyOf(led);
    }

    /** A status without led partitions. */
    public ClusterStatus(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                         List<Node> nodes, int topicCount, int partitionCount, long commitIndex) {
        this(clusterId, nodeId, controllerId, term, ready, nodes, topicCount, partitionCount, commitIndex, List.of());
    }

    /**
     * A partition the answering node leads.
     *
     * @param lastIndex the leader's last index in the partition's Raft log (one entry per produced batch)
     */
    public record LedPartition(String topic, int partition, long lastIndex, List<Replica> replicas) {
        public LedPartition {
            replicas = List.copyOf(replicas);
        }
    }

    /**
     * One replica of a led partition.
     *
     * @param matchIndex the highest Raft log index the replica is known to hold (-1: not known yet)
     * @param lag        Raft log entries (produced batches) the replica is behind the leader (-1: not known)
     * @param inSync     whether it is in the partition's ISR (acknowledged the leader within the last second)
     */
    public record Replica(String nodeId, long matchIndex, long lag, boolean inSync) {
    }

    /** The node leading the cluster's metadata ({@code ""} when none); same as {@link #controllerId()}. */
    public String leaderId() {
        return controllerId;
    }

    /**
     * @param role       {@code leader}, {@code follower} or {@code learner}
     * @param matchIndex highest metadata log index the node is known to hold, -1 when the answering node does not
     *                   know it (only the leader tracks its followers)
     * @param lag        metadata log entries the node is behind the leader, -1 when not known
     */
    public record Node(String nodeId, String clientAddress, String clusterAddress, String state, boolean leader,
                       String role, long matchIndex, long lag) {
        /** The {@code host:port} clients connect to; same as {@link #clientAddress()}. */
        public String address() {
            return clientAddress;
        }
    }
}
