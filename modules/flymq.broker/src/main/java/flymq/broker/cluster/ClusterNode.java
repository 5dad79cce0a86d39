package flymq.broker.cluster;

/** One member of the cluster as CLUSTER_STATUS reports it. */
public record ClusterNode(String nodeId, String clientAddr, String clusterAddr, String state, boolean leader) {
}
