package flymq.broker.cluster;

import flymq.protocol.RequestException;
import java.util.List;

/**
 * The cluster seam for leadership: which node leads each partition and which nodes exist. The single-node broker
 * uses {@link SingleNodeLeadership}; the Raft cluster supplies an implementation backed by its assignment table,
 * and the request path (PRODUCE, CLUSTER_METADATA, CLUSTER_STATUS) does not change.
 */
public interface PartitionLeadership {

    /** Identifies the cluster in CLUSTER_METADATA ({@code "standalone"} on a single node, as upstream). */
    String clusterId();

    /** This node's id. */
    String localNodeId();

    /** Id of the node leading the cluster's metadata ({@code ""} when none). */
    String controllerId();

    /** Current term of the metadata leader (0 when not replicated). */
    long term();

    List<ClusterNode> nodes();

    /** Highest metadata log index committed and applied on this node (0 when not replicated). */
    default long commitIndex() {
        return 0;
    }

    PartitionLeader leader(String topic, int partition);

    /**
     * Throws unless this node may accept writes for the partition; the text follows the SDK-recognised form
     * {@code not leader: leader_id=<id> leader_addr=<host:port>} (wire spec 8).
     */
    default void requireLocalLeader(String topic, int partition) {
        PartitionLeader l = leader(topic, partition);
        if (!l.local()) {
            throw new RequestException("not leader: leader_id=" + l.leaderId() + " leader_addr=" + l.leaderAddr()
                    + " (topic " + topic + " partition " + partition + ")");
        }
    }
}
