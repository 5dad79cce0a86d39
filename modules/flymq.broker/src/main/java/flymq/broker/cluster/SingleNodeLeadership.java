package flymq.broker.cluster;

import java.util.List;
import java.util.function.Supplier;

/** Leadership of a broker that is its own cluster: this node leads every partition, epoch 1, replicas = [self]. */
public final class SingleNodeLeadership implements PartitionLeadership {
    private final String nodeId;
    private final Supplier<String> clientAddr;
    private final String clusterAddr;

    /**
     * @param clientAddr client-facing {@code host:port}; a supplier because an ephemeral port is known only after
     *                   the listener binds
     */
    public SingleNodeLeadership(String nodeId, Supplier<String> clientAddr, String clusterAddr) {
        this.nodeId = nodeId;
        this.clientAddr = clientAddr;
        this.clusterAddr = clusterAddr;
    }

    @Override
    public String clusterId() {
        return "standalone";
    }

    @Override
    public String localNodeId() {
        return nodeId;
    }

    @Override
    public String controllerId() {
        return nodeId;
    }

    @Override
    public long term() {
        return 0;
    }

    @Override
    public List<ClusterNode> nodes() {
        return List.of(new ClusterNode(nodeId, clientAddr.get(), clusterAddr, "online", true));
    }

    /** Every partition is local: nothing to check, nothing to allocate on the produce path. */
    @Override
    public void requireLocalLeader(String topic, int partition) {
    }

    @Override
    public PartitionLeader leader(String topic, int partition) {
        return new PartitionLeader(nodeId, clientAddr.get(), 1, "online", List.of(nodeId), List.of(nodeId), true);
    }
}
