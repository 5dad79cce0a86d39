package flymq.broker.cluster;

/**
 * One member of the cluster as CLUSTER_STATUS reports it.
 *
 * @param role       {@code leader}, {@code follower} (voting) or {@code learner} (joining, not voting yet)
 * @param matchIndex highest metadata log index the member is known to hold; -1 when not known here (only the
 *                   leader tracks its followers)
 * @param lag        metadata log entries the member is behind the leader's log; -1 when not known here
 */
public record ClusterNode(String nodeId, String clientAddr, String clusterAddr, String state, boolean leader,
                          String role, long matchIndex, long lag) {

    /** A member whose replication progress is not known on this node. */
    public ClusterNode(String nodeId, String clientAddr, String clusterAddr, String state, boolean leader) {
        this(nodeId, clientAddr, clusterAddr, state, leader, leader ? "leader" : "follower", -1, -1);
    }
}
