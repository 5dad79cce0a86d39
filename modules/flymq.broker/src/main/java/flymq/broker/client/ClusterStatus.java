package flymq.broker.client;

import java.util.List;

/**
 * CLUSTER_STATUS (0x52, our layout in docs/protocol.md): which node answered, which node leads the cluster
 * metadata ({@link #leaderId()}), and every known node's state.
 */
public record ClusterStatus(String clusterId, String nodeId, String leaderId, long term, boolean ready,
        List<Node> nodes, int topicCount, int partitionCount) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
    }

    /** {@code address} is the client-facing address; {@code controller} marks the metadata leader. */
    public record Node(String nodeId, String address, String clusterAddress, String state, boolean controller) {
    }
}
