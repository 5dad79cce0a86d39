package flymq.broker.client;

import java.util.List;

/** CLUSTER_STATUS (0x52): which node answered, which node leads, and every known node's state. */
public record ClusterStatus(String clusterId, String nodeId, String leaderId, List<Node> nodes) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
    }

    public record Node(String nodeId, String address, String state) {
    }
}
