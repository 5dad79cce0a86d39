package flymq.broker.cluster;

import java.util.List;

/**
 * Who leads one partition, as CLUSTER_METADATA reports it.
 *
 * @param leaderId   node id of the leader ({@code ""} when none is known)
 * @param leaderAddr client-facing {@code host:port} of the leader
 * @param epoch      leader epoch (1 on a single node; 0 when no leader is known)
 * @param state      online | offline | reassigning | syncing
 * @param local      whether this node is the leader and may accept writes for the partition
 */
public record PartitionLeader(String leaderId, String leaderAddr, long epoch, String state, List<String> replicas,
                              List<String> isr, boolean local) {
}
