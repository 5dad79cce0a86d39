package flymq.broker.replication;

import flymq.protocol.RequestException;
import flymq.raft.MemoryBudget;
import java.util.concurrent.TimeUnit;

/**
 * Entry to one of the node's cluster memory budgets for a request thread: it waits up to {@code waitMs} for room
 * (backpressure: the producer's request is simply answered later) and then refuses the request with
 * {@link ClusterBusyException}. Whoever is admitted releases the same byte count when its bytes are gone.
 *
 * @param budget the bytes that may be held at once (shared by every request thread of the node)
 * @param waitMs how long a request waits for room ({@code cluster.budget_wait_ms})
 */
record Admission(MemoryBudget budget, long waitMs) {

    /** Holds {@code bytes} of the budget, or throws: {@link ClusterBusyException} after the wait. */
    void admit(long bytes, String what) {
        try {
            if (!budget.tryAcquire(bytes, waitMs, TimeUnit.MILLISECONDS)) {
                throw new ClusterBusyException(budget, waitMs, what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted while waiting for " + budget.name() + ": " + what + " refused");
        }
    }

    void release(long bytes) {
        budget.release(bytes);
    }
}
