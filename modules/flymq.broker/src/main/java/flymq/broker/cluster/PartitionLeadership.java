package flymq.broker.cluster;

import flymq.protocol.RequestException;
import flymq.protocol.message.ClusterStatusResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

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
     * The partitions this node leads, each with where its replicas stand in the partition's Raft log (for
     * CLUSTER_STATUS); empty on a single node, which replicates nothing.
     */
    default List<ClusterStatusResponse.LedPartition> ledPartitions() {
        return List.of();
    }

    /**
     * Whether this node's copy of the partition may answer reads: in a cluster, this node runs a replica of it that
     * is neither copying the records behind an installed snapshot nor replaying its log after a restart; always
     * true on a single node. A read served from a copy that is not readable could answer "no more records" while
     * the partition holds more.
     */
    default boolean readable(String topic, int partition) {
        return true;
    }

    /**
     * Waits up to {@code maxWait} until {@link #readable} holds (a replica that just started replays its log
     * within moments); false when it still does not.
     */
    default boolean awaitReadable(String topic, int partition, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (!readable(topic, partition)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        return true;
    }

    /**
     * The partition's leader, waiting up to {@code maxWait} while its replicas are still electing one (a topic created
     * a moment ago, or a leader that just died): a request that arrives in that window is served a few hundred
     * milliseconds late instead of refused with a "not leader" that names no leader, which the official SDKs do not
     * retry; likewise while the leader's client address is not known here yet. An unknown partition (no replicas) and
     * a partition with a known leader at a known address answer at once.
     */
    default PartitionLeader awaitLeader(String topic, int partition, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        PartitionLeader l = leader(topic, partition);
        while (electing(l) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            l = leader(topic, partition);
        }
        return l;
    }

    private boolean electing(PartitionLeader l) {
        if (l.local() || l.replicas().isEmpty()) {
            return false;
        }
        // A node elected a moment ago may name itself leader before its role says so: still settling. So is a leader
        // whose client address this node has not applied yet (its registration follows its start within moments):
        // a request could be neither served here nor forwarded.
        return l.leaderId().isEmpty() || l.leaderId().equals(localNodeId()) || l.leaderAddr().isEmpty();
    }

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
