package flymq.client;

import java.util.List;

/**
 * A partition's replicas before and after a move: a reassignment in progress (extension REASSIGNMENTS 0xCA, then
 * {@code cancelling} tells a cancelled one going back), or one entry of a rebalance or drain plan (CLUSTER_BALANCE
 * 0xCB; for elect-leaders {@code from} and {@code to} each hold one id, the old and the new leader). The first id of a
 * replica list is the partition's preferred leader.
 */
public record PartitionMove(String topic, int partition, List<String> from, List<String> to, boolean cancelling) {
    public PartitionMove {
        from = List.copyOf(from);
        to = List.copyOf(to);
    }
}
