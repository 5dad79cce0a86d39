package flymq.broker.replication;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Paces the start of new partition groups ({@link PartitionReplicas#MAX_SETTLING} explains why): a start waits until
 * few enough groups started earlier are still settling. A group stops settling when it hibernates or terminates,
 * which the groups' Raft threads report through {@link #changed()}, or when it has counted for
 * {@code countsNanos}, which the waiting thread sees by timing its wait to the oldest entry's expiry: nothing is
 * polled, so a node whose groups all settled waits for nothing and wakes for nothing.
 *
 * <p>{@link #started} and {@link #awaitRoom} run on one thread (the lifecycle thread); {@link #changed} and
 * {@link #close} on any.
 */
final class StartPacer {

    private final int maxSettling;
    private final long countsNanos;
    private final long waitNanos;
    private final LongSupplier clock;
    /** Groups started and not yet seen settled, oldest first (the pacing thread only). */
    private final ArrayDeque<Settling> settling = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition change = lock.newCondition();
    /** Bumped by {@link #changed}: a wait that began before a bump must not sleep through it (guarded by lock). */
    private long changes;
    private volatile boolean closed;

    private record Settling(BooleanSupplier settled, long startedNanos) {
    }

    /**
     * @param maxSettling most groups settling at once before a start waits
     * @param countsNanos the longest a group counts as settling (one that carries traffic never hibernates)
     * @param waitNanos   the longest a start waits: past it the start goes ahead (pacing never stops a start)
     * @param clock       {@link System#nanoTime()} but in tests
     */
    StartPacer(int maxSettling, long countsNanos, long waitNanos, LongSupplier clock) {
        this.maxSettling = maxSettling;
        this.countsNanos = countsNanos;
        this.waitNanos = waitNanos;
        this.clock = clock;
    }

    /** A group started: it settles once {@code settled} says so (asked again after each {@link #changed}). */
    void started(BooleanSupplier settled) {
        settling.add(new Settling(settled, clock.getAsLong()));
    }

    /**
     * Any thread, for the groups' Raft threads: a group may have settled (it began to hibernate, or terminated).
     * Takes the lock only as long as the waiting thread holds it to check for a change: never for a scan.
     */
    void changed() {
        lock.lock();
        try {
            changes++;
            change.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Releases a waiting start and every later one at once (the node is closing). */
    void close() {
        closed = true;
        changed();
    }

    /**
     * Waits until {@code count} more groups fit among the settling ones (or none settles), at most {@code waitNanos}.
     * Returns whether they fit; false when the wait ran out, the pacer closed or the thread was interrupted (its flag kept).
     */
    boolean awaitRoom(int count) {
        long waitUntil = clock.getAsLong() + waitNanos;
        while (!closed) {
            long seen = changesSoFar();
            long now = clock.getAsLong();
            settling.removeIf(s -> now - s.startedNanos() >= countsNanos || s.settled().getAsBoolean());
            // a burst larger than the limit starts at once when nothing settles: waiting cannot make more room
            if (settling.isEmpty() || settling.size() + count <= maxSettling) {
                return true;
            }
            long timeout = waitUntil - now;
            if (timeout <= 0) {
                return false;
            }
            Settling oldest = settling.peekFirst();
            if (oldest != null) {
                timeout = Math.min(timeout, oldest.startedNanos() + countsNanos - now);
            }
            if (!awaitChange(seen, timeout)) {
                return false;
            }
        }
        return false;
    }

    private long changesSoFar() {
        lock.lock();
        try {
            return changes;
        } finally {
            lock.unlock();
        }
    }

    /** Sleeps until a change after {@code seen}, the timeout or close; false if interrupted. */
    private boolean awaitChange(long seen, long timeoutNanos) {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (changes == seen && !closed && left > 0) {
                left = change.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Groups counted as settling at the last check (tests). */
    int settling() {
        return settling.size();
    }
}
