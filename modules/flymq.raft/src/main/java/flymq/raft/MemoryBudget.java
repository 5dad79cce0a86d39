package flymq.raft;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A number of bytes that the holders of one kind of buffer may hold at once, with backpressure: a holder that
 * would take the budget over its capacity waits until others release, for as long as it is willing to wait, and
 * then either holds its bytes or is told no.
 *
 * <p>A request larger than the whole capacity is taken as exactly the capacity: it waits until the budget is empty
 * and then runs alone, so one oversize buffer is delayed, never refused forever. {@link #release} clamps the same
 * way, so a holder releases with the number it acquired. Waiters are woken together and the first to find room
 * wins; under a steady stream of small requests a large one can wait longer than its share (its timeout bounds it).
 *
 * <p>One instance is shared by every holder of the buffers it bounds (e.g. every Raft group of a node), which is
 * what makes the sum bounded whatever the number of groups, connections or producers.
 */
public final class MemoryBudget {
    private final String name;
    private final long capacity;
    private long used;

    /**
     * @param name     what the bytes are, for error messages and status (e.g. "cluster.raft_inbound_bytes")
     * @param capacity most bytes held at once, at least 1
     */
    public MemoryBudget(String name, long capacity) {
        this.name = Objects.requireNonNull(name, "name");
        if (capacity < 1) {
            throw new IllegalArgumentException(name + ": capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
    }

    public String name() {
        return name;
    }

    public long capacity() {
        return capacity;
    }

    /** Bytes held now. */
    public synchronized long used() {
        return used;
    }

    /**
     * Takes {@code bytes} (at most the capacity), waiting up to {@code timeout} for room.
     *
     * @return true when the bytes are held (release them with {@link #release}), false when no room freed up in
     *         time (nothing is held)
     */
    public boolean tryAcquire(long bytes, long timeout, TimeUnit unit) throws InterruptedException {
        long want = clamp(bytes);
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this) {
            while (used + want > capacity) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            used += want;
            return true;
        }
    }

    /**
     * Takes {@code bytes}, waiting as long as it takes unless {@code giveUp} turns true (checked every 100 ms) or
     * the thread is interrupted (its flag is kept): for threads that must not drop work while their owner runs.
     *
     * @return true when the bytes are held, false when it gave up (nothing is held)
     */
    public boolean acquireUnless(long bytes, java.util.function.BooleanSupplier giveUp) {
        try {
            while (!giveUp.getAsBoolean()) {
                if (tryAcquire(bytes, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Gives back bytes taken with {@link #tryAcquire} (the same number). */
    public void release(long bytes) {
        long back = clamp(bytes);
        synchronized (this) {
            if (back > used) {
                throw new IllegalStateException(name + ": releasing " + back + " bytes but only " + used + " are held");
            }
            used -= back;
            notifyAll();
        }
    }

    private long clamp(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": negative byte count " + bytes);
        }
        return Math.min(bytes, capacity);
    }

    @Override
    public synchronized String toString() {
        return name + " " + used + "/" + capacity + " bytes";
    }
}
