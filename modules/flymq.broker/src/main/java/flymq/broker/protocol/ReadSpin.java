package flymq.broker.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Spin-then-block waiting for the next frame on one connection: before a thread blocks in a socket read, it polls
 * {@link InputStream#available()} (one {@code ioctl(FIONREAD)}, which never blocks and leaves the socket in blocking
 * mode) for up to a budget, so that an answer arriving within the budget is read without the thread ever sleeping.
 *
 * <p>Why: a thread that blocks in {@code read} gives up its CPU; when the answer comes, the kernel must wake it and,
 * if its CPU went idle, wake the CPU. On a virtual machine whose idle vCPUs halt at once (this project's 2-vCPU
 * machines run with {@code guest_halt_poll_ns=0}), that costs a VM exit and re-entry per wake-up: a bare loopback
 * ping-pong measured about 110 µs per round trip on an idle machine, so one request per round trip ran near 9,000/s
 * no matter how little the broker did. While both ends spin, neither sleeps and the round trip is the work alone.
 *
 * <p>Between polls the thread yields ({@link Thread#yield}) rather than pausing in place: on an idle machine the
 * yield returns at once and the loop is a plain spin, but when other threads want the CPU they get it, so a spinner
 * never delays the very peer it waits for. With a pure spin, a loaded 2-vCPU machine ran a loopback ping-pong with
 * both ends spinning at 7,200 round trips/s against 30,300 for blocking reads; yielding kept it at 25,000-26,800.
 *
 * <p>Spinning burns CPU, so it is bounded three ways:
 * <ul>
 *   <li>a budget per wait (a request or answer that takes longer is waited for by blocking, as without spinning);</li>
 *   <li>at most half the process's processors spin at once (a wait that finds them all taken blocks at once), and
 *   virtual threads never spin, since a spinning virtual thread holds its carrier;</li>
 *   <li>backoff: after {@value #MISSES_BEFORE_BACKOFF} waits in a row that outlast the budget (an idle or slow peer,
 *   or a machine too loaded for the peer to answer in time), a connection skips spinning for a number of waits
 *   that doubles with each further miss, up to {@value #MAX_SKIP}; one wait that ends within the budget resets it.
 *   A yield that took longer than {@value #CONTENDED_YIELD_NANOS} ns means another thread had to run on this CPU:
 *   the machine has no idle CPU to spare, so the wait stops spinning at once and counts as a miss.</li>
 * </ul>
 * One instance belongs to one connection and is used by the single thread that reads it.
 */
public final class ReadSpin {
    static final int MISSES_BEFORE_BACKOFF = 4;
    static final int MAX_SKIP = 1024;
    static final long CONTENDED_YIELD_NANOS = 20_000;
    static final int MAX_SPINNERS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    private static final AtomicInteger SPINNING = new AtomicInteger();

    private final long budgetNanos;
    private final Runnable pause;
    private final LongSupplier clock;
    private int misses;
    private int skip;
    private long spins;
    private long hits;
    private long contended;

    /** @param budgetNanos how long one wait may spin; 0 turns spinning off */
    public ReadSpin(long budgetNanos) {
        this(budgetNanos, Thread::yield, System::nanoTime);
    }

    /** With the pause between polls and the clock replaced: tests drive both to simulate an idle or busy CPU. */
    ReadSpin(long budgetNanos, Runnable pause, LongSupplier clock) {
        if (budgetNanos < 0) {
            throw new IllegalArgumentException("spin budget must be >= 0 ns, got " + budgetNanos);
        }
        this.budgetNanos = budgetNanos;
        this.pause = pause;
        this.clock = clock;
    }

    /**
     * Returns once {@code in} has bytes to read, or once it is time to block in a read instead: the budget ran out,
     * spinning is backed off or not allowed on this thread. Never consumes input.
     */
    public void awaitInput(InputStream in) throws IOException {
        if (budgetNanos == 0) {
            return;
        }
        if (skip > 0) {
            skip--;
            return;
        }
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        if (SPINNING.incrementAndGet() > MAX_SPINNERS) {
            SPINNING.decrementAndGet();
            return;
        }
        try {
            spins++;
            long now = clock.getAsLong();
            long deadline = now + budgetNanos;
            do {
                if (in.available() > 0) {
                    hits++;
                    misses = 0;
                    return;
                }
                long before = now;
                pause.run();
                now = clock.getAsLong();
                if (now - before > CONTENDED_YIELD_NANOS) {
                    contended++;
                    break;
                }
            } while (now - deadline < 0);
            if (++misses >= MISSES_BEFORE_BACKOFF) {
                skip = Math.min(MAX_SKIP, 1 << Math.min(misses - MISSES_BEFORE_BACKOFF + 1, 30));
            }
        } finally {
            SPINNING.decrementAndGet();
        }
    }

    /** Waits that spun (for tests and diagnostics). */
    public long spins() {
        return spins;
    }

    /** Waits whose input arrived while spinning. */
    public long hits() {
        return hits;
    }

    /** Waits cut short because a yield showed other threads waiting for the CPU. */
    public long contended() {
        return contended;
    }

    /** Waits that will block without spinning before the next spin. */
    public int skipping() {
        return skip;
    }
}
