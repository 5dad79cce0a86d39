package flymq.broker.client;

import java.util.List;

/** CLUSTER_STATUS (0x52, our layout): the answering node, the controller, every node, and totals. */
public record ClusterStatus(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                            List<Node> nodes, int topicCount, int partitionCount) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
    }

    public record Node(String nodeId, String clientAddress, String clusterAddress, String state, boolean leader) {
    }
}
