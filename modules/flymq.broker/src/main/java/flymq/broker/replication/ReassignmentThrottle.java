package flymq.broker.replication;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

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
    private final LongSupplier clock;
    private final LongConsumer sleep;
    private long available;
    private long refilledNanos;

    ReassignmentThrottle(long bytesPerSec) {
        this(bytesPerSec, System::nanoTime, LockSupport::parkNanos);
    }

    /** @param clock nanoseconds, {@code sleep} waits that many (a test passes a fake pair) */
    ReassignmentThrottle(long bytesPerSec, LongSupplier clock, LongConsumer sleep) {
        if (bytesPerSec < 0) {
            throw new IllegalArgumentException("reassignment bytes per second must be >= 0, was " + bytesPerSec);
        }
        this.bytesPerSec = bytesPerSec;
        this.clock = clock;
        this.sleep = sleep;
        this.available = bytesPerSec;
        this.refilledNanos = clock.getAsLong();
    }

    /** Waits until {@code bytes} fit in the rate (a request larger than a second's worth takes its share of time). */
    void acquire(long bytes) {
        if (bytesPerSec == 0 || bytes <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = clock.getAsLong();
            long refill = (now - refilledNanos) * bytesPerSec / 1_000_000_000L;
            if (refill > 0) {
                available = Math.min(bytesPerSec, available + refill);
                refilledNanos = now;
            }
            available -= bytes; // may go negative: the debt is paid by waiting
            waitNanos = available >= 0 ? 0 : -available * 1_000_000_000L / bytesPerSec;
        }
        if (waitNanos > 0) {
            sleep.accept(waitNanos);
        }
    }
}
