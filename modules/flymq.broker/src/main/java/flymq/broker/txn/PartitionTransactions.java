package flymq.broker.txn;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The transactions of one partition, as the coordinator changes them: open ones (id -> first offset) and aborted
 * ones still retained (id -> first offset, marker offset). Every change publishes a new immutable
 * {@link PartitionView}, so readers take no lock.
 */
final class PartitionTransactions {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Long, Long> open = new HashMap<>();
    private final Map<Long, long[]> aborted = new HashMap<>();
    private volatile PartitionView view = PartitionView.NONE;
    /** Readers are held back from here on (a replica replaying its Raft log); MAX_VALUE: not held. */
    private long heldFrom = Long.MAX_VALUE;

    PartitionView view() {
        return view;
    }

    /** A transaction starts writing here; its records lie at or after {@code firstOffset}. */
    void open(long txnId, long firstOffset) {
        change(() -> open.merge(txnId, firstOffset, Math::min));
    }

    /** The first record of an open transaction landed at {@code firstOffset} (later than first announced). */
    void firstAppended(long txnId, long firstOffset) {
        change(() -> open.computeIfPresent(txnId, (id, announced) -> Math.max(announced, firstOffset)));
    }

    void committed(long txnId) {
        change(() -> open.remove(txnId));
    }

    /** The transaction aborted: its records in {@code [firstOffset, markerOffset]} are hidden from now on. */
    void aborted(long txnId, long firstOffset, long markerOffset) {
        change(() -> {
            open.remove(txnId);
            aborted.merge(txnId, new long[] {firstOffset, markerOffset},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        });
    }

    /** Forgets aborted transactions whose marker lies below {@code startOffset} (deleted by retention). */
    void prune(long startOffset) {
        if (view.abortedIds().isEmpty()) {
            return;
        }
        change(() -> aborted.values().removeIf(range -> range[1] < startOffset));
    }

    /** Replaces everything with a replica's state from a snapshot (the maps are copied). */
    void replace(Map<Long, Long> openNow, Map<Long, long[]> abortedNow) {
        change(() -> {
            open.clear();
            open.putAll(openNow);
            aborted.clear();
            abortedNow.forEach((id, range) -> aborted.put(id, range.clone()));
        });
    }

    /**
     * Holds read-committed readers back at {@code offset} (a replica has not yet re-learned, from its Raft log, the
     * transactions of the records beyond it that its partition log already holds); {@code Long.MAX_VALUE} releases.
     */
    void holdFrom(long offset) {
        change(() -> heldFrom = offset);
    }

    boolean idle() {
        return view == PartitionView.NONE;
    }

    private void change(Runnable mutation) {
        lock.lock();
        try {
            mutation.run();
            long lso = heldFrom;
            for (long first : open.values()) {
                lso = Math.min(lso, first);
            }
            Map<Long, long[]> abortedCopy = Map.copyOf(aborted);
            view = lso == Long.MAX_VALUE && abortedCopy.isEmpty() ? PartitionView.NONE
                    : new PartitionView(lso, abortedCopy);
        } finally {
            lock.unlock();
        }
    }
}
