package flymq.broker.replication;

import flymq.raft.RaftGroupConfig;
import flymq.raft.transport.ClusterTransport;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What a node's cluster member may be started with besides its configuration: a wrapper around the cluster
 * transport (in-process tests put a fault-injecting layer there) and adjustments of the Raft settings of the
 * metadata group and of the partition groups (tests shorten the snapshot interval to force log compaction).
 * Production nodes use {@link #DEFAULT}: the bound TCP transport as it is and the {@link RaftGroupConfig} defaults.
 * The package is not exported, so only the broker module (and its tests) can pass one.
 *
 * @param transport  wraps the bound TCP transport; every Raft group of the node sends through the result
 * @param metadata   applied to the metadata group's Raft settings before it starts
 * @param partitions applied to every partition group's Raft settings before it starts
 */
public record ClusterTuning(UnaryOperator<ClusterTransport> transport, Consumer<RaftGroupConfig.Builder> metadata,
                            Consumer<RaftGroupConfig.Builder> partitions) {

    public static final ClusterTuning DEFAULT = new ClusterTuning(t -> t, b -> { }, b -> { });
}
