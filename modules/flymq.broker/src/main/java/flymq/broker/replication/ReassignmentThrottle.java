package flymq.broker.replication;

import java.util.concurrent.locks.LockSupport;

/**
 * The node-wide pace of replicas being added by a reassignment ({@code cluster.reassignment_bytes_per_sec}; 0 =
 * unthrottled): a learner's Raft thread takes its entries' bytes from this bucket before it applies them, and a
 * learner copying records behind a snapshot before it appends them. A learner that applies slowly acknowledges
 * slowly, and the leader keeps one AppendEntries in flight per follower, so the leader sends no faster either.
 * Voters never wait here: the throttle cannot slow acknowledged produce. The bucket holds at most one second of
 * bytes, so an idle period does not let a burst through.
 */
final class ReassignmentThrottle {
    private final long bytesPerSec;
    private long available;
    private long refilledNanos = System.nanoTime();

    ReassignmentThrottle(long bytesPerSec) {
        if (bytesPerSec < 0) {
            throw new IllegalArgumentException("reassignment bytes per second must be >= 0, was " + bytesPerSec);
        }
        this.bytesPerSec = bytesPerSec;
        this.available = bytesPerSec;
    }

    static final ReassignmentThrottle UNLIMITED = new ReassignmentThrottle(0);

    long bytesPerSec() {
        return bytesPerSec;
    }

    /** Waits until {@code bytes} fit in the rate (a request larger than a second's worth takes its share of time). */
    void acquire(long bytes) {
        if (bytesPerSec == 0 || bytes <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            long refill = (now - refilledNanos) * bytesPerSec / 1_000_000_000L;
            if (refill > 0) {
                available = Math.min(bytesPerSec, available + refill);
                refilledNanos = now;
            }
            available -= bytes; // may go negative: the debt is paid by waiting
            waitNanos = available >= 0 ? 0 : -available * 1_000_000_000L / bytesPerSec;
        }
        if (waitNanos > 0) {
            LockSupport.parkNanos(waitNanos);
        }
    }
}
