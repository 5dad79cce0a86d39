package flymq.broker.txn;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Every partition's {@link PartitionView}, for the read paths (CONSUME, FETCH, BATCH_FETCH): a lookup that allocates
 * nothing a partition without transactions does not need, since most never see one.
 */
public final class TransactionIndex {
    /** A partition; only the coordinator creates entries. */
    record Key(String topic, int partition) {
    }

    private final ConcurrentHashMap<Key, PartitionTransactions> partitions = new ConcurrentHashMap<>();

    /**
     * The partition's view now. Read the log's end offset first, then the view: a transaction registers here before
     * it appends, so a record below that end offset is either known here or not transactional.
     */
    public PartitionView view(String topic, int partition) {
        if (partitions.isEmpty()) {
            return PartitionView.NONE;
        }
        PartitionTransactions p = partitions.get(new Key(topic, partition));
        return p == null ? PartitionView.NONE : p.view();
    }

    PartitionTransactions partition(String topic, int partition) {
        return partitions.computeIfAbsent(new Key(topic, partition), k -> new PartitionTransactions());
    }

    ConcurrentHashMap<Key, PartitionTransactions> all() {
        return partitions;
    }
}
