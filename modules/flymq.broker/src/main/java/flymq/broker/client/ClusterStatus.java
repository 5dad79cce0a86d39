package flymq.broker.client;

import java.util.List;

/** CLUSTER_STATUS (0x52, our layout): the answering node, the controller, every node, and totals. */
public record ClusterStatus(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                            List<Node> nodes, int topicCount, int partitionCount) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
    }

    /** The node leading the cluster's metadata ({@code ""} when none); same as {@link #controllerId()}. */
    public String leaderId() {
        return controllerId;
    }

    public record Node(String nodeId, String clientAddress, String clusterAddress, String state, boolean leader) {
        /** The {@code host:port} clients connect to; same as {@link #clientAddress()}. */
        public String address() {
            return clientAddress;
        }
    }
}
