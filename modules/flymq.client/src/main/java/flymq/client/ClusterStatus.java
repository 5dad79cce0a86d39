package flymq.client;

import java.util.List;

/**
 * CLUSTER_STATUS (0x52, our layout): the answering node, the controller, every node, and totals.
 *
 * @param commitIndex the answering node's committed metadata log index (0 on a single node or an older broker)
 */
public record ClusterStatus(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                            List<Node> nodes, int topicCount, int partitionCount, long commitIndex) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
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
