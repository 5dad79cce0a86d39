package flymq.broker.txn;

import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.storage.StoredRecord;
import java.util.List;
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
    private volatile boolean holdUnknown;

    /**
     * The partition's view now. Read the log's end offset first, then the view: a transaction registers here before
     * it appends, so a record below that end offset is either known here or not transactional.
     */
    public PartitionView view(String topic, int partition) {
        if (partitions.isEmpty() && !holdUnknown) {
            return PartitionView.NONE;
        }
        PartitionTransactions p = partitions.get(new Key(topic, partition));
        return p == null ? (holdUnknown ? PartitionView.HELD : PartitionView.NONE) : p.view();
    }

    /**
     * On a cluster node: a partition whose replica has not started yet ({@link ReplicaTransactions} not created) is
     * read by nobody at read-committed, since its log may hold records whose transactions nobody has learned yet
     * (a restarted node, before its partition groups replay).
     */
    public void holdUnknownPartitions() {
        holdUnknown = true;
    }

    /**
     * Records of {@code [from, to)} a read-committed reader skips: transaction markers and records of aborted
     * transactions (read from the log, so meant for short ranges).
     */
    public long hiddenIn(String topic, int partition, PartitionLog log, long from, long to) {
        PartitionView view = view(topic, partition);
        long hidden = 0;
        long position = from;
        while (position < to) {
            List<StoredRecord> records;
            try {
                records = log.read(position, (int) Math.min(to - position, 1000), 1 << 20);
            } catch (OffsetOutOfRangeException e) {
                return hidden;
            }
            if (records.isEmpty()) {
                return hidden;
            }
            for (StoredRecord r : records) {
                if (r.offset() >= to) {
                    return hidden;
                }
                if (view.hidden(r, true)) {
                    hidden++;
                }
                position = r.offset() + 1;
            }
        }
        return hidden;
    }

    PartitionTransactions partition(String topic, int partition) {
        return partitions.computeIfAbsent(new Key(topic, partition), k -> new PartitionTransactions());
    }

    ConcurrentHashMap<Key, PartitionTransactions> all() {
        return partitions;
    }
}
