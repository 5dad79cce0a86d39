package flymq.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Spin-then-block waiting for the next frame on one connection: before a thread blocks in a socket read, it polls
 * {@link InputStream#available()} (one {@code ioctl(FIONREAD)}, which never blocks and leaves the socket in blocking
 * mode) for up to a budget, so that an answer arriving within the budget is read without the thread ever sleeping.
 *
 * <p>Why: a thread that blocks in {@code read} gives up its CPU; when the answer comes, the kernel must wake it and,
 * if its CPU went idle, wake the CPU. On a virtual machine whose idle vCPUs halt at once (this project's 2-vCPU
 * machines run with {@code guest_halt_poll_ns=0}), that costs a VM exit and re-entry per wake-up, which bounds one
 * request per round trip on an idle machine no matter how little the broker does. While both ends spin, neither
 * sleeps and the round trip is the work alone.
 *
 * <p>Between polls the thread yields ({@link Thread#yield}) rather than pausing in place: on an idle machine the
 * yield returns at once and the loop is a plain spin, but when other threads want the CPU they get it.
 *
 * <p>Spinning burns CPU, and on a machine with no idle CPU it makes things worse (the spinner competes with the very
 * peer it waits for), so it is bounded five ways:
 * <ul>
 *   <li>no spinning while the machine's CPUs are all wanted ({@link SpareCpu}, from Linux's CPU pressure stall
 *   counter);</li>
 *   <li>a budget per wait (a request or answer that takes longer is waited for by blocking, as without spinning);</li>
 *   <li>at most half the process's processors spin at once (a wait that finds them all taken blocks at once), and
 *   virtual threads never spin, since a spinning virtual thread holds its carrier;</li>
 *   <li>misses: after {@value #MISSES_BEFORE_BACKOFF} waits in a row that outlast the budget (an idle or slow peer),
 *   a connection skips spinning for a number of waits that doubles with each further miss, up to
 *   {@value #MAX_SKIP}; one wait that ends within the budget resets it;</li>
 *   <li>contention: a yield that took longer than {@value #CONTENDED_YIELD_NANOS} ns means another thread ran on this
 *   CPU, so that wait stops spinning and blocks. One such yield proves little (an idle VM sees them on a few percent
 *   of waits, from housekeeping threads and the host), so only {@value #CONTENDED_PER_WINDOW} of them within
 *   {@value #WINDOW} spins back off: for {@value #CONTENTION_SKIP} waits, doubling with each further trip up to
 *   {@value #MAX_SKIP}, and coming down only after {@value #CLEAN_WINDOWS_TO_RESET} windows in a row without one.</li>
 * </ul>
 * The figures behind each limit are in docs/benchmarks.md, "Read spinning and --single". One instance belongs to one
 * connection and is used by the single thread that reads it.
 */
public final class ReadSpin {
    /** The spin budget of the broker's connections and the client's calls unless configured otherwise. */
    public static final Duration DEFAULT_BUDGET = Duration.ofNanos(200_000);
    /** The largest budget allowed: longer spins only burn CPU that a blocked read would have saved. */
    public static final Duration MAX_BUDGET = Duration.ofMillis(10);
    static final int MISSES_BEFORE_BACKOFF = 4;
    static final int MAX_SKIP = 1024;
    static final long CONTENDED_YIELD_NANOS = 50_000;
    static final int WINDOW = 32;
    static final int CONTENDED_PER_WINDOW = 4;
    static final int CONTENTION_SKIP = 64;
    static final int CLEAN_WINDOWS_TO_RESET = 8;
    static final int MAX_SPINNERS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    private static final AtomicInteger SPINNING = new AtomicInteger();

    private enum Outcome { HIT, MISS, CONTENDED }

    private final long budgetNanos;
    private final Runnable pause;
    private final LongSupplier clock;
    private final SpareCpu spareCpu;
    private int misses;
    private int skip;
    private int windowSpins;
    private int windowContended;
    private int contentionBackoffs;
    private int cleanWindows;
    private long spins;
    private long hits;
    private long contended;

    /** @param budgetNanos how long one wait may spin; 0 turns spinning off */
    public ReadSpin(long budgetNanos) {
        this(budgetNanos, Thread::yield, System::nanoTime, SpareCpu.SYSTEM);
    }

    /** With the pause between polls, the clock and the machine's CPU pressure replaced, to simulate any machine. */
    ReadSpin(long budgetNanos, Runnable pause, LongSupplier clock, SpareCpu spareCpu) {
        if (budgetNanos < 0) {
            throw new IllegalArgumentException("spin budget must be >= 0 ns, got " + budgetNanos);
        }
        this.budgetNanos = budgetNanos;
        this.pause = pause;
        this.clock = clock;
        this.spareCpu = spareCpu;
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
        if (Thread.currentThread().isVirtual() || !spareCpu.allowsSpin()) {
            return;
        }
        if (SPINNING.incrementAndGet() > MAX_SPINNERS) {
            SPINNING.decrementAndGet();
            return;
        }
        Outcome outcome;
        try {
            outcome = spin(in);
        } finally {
            SPINNING.decrementAndGet();
        }
        spins++;
        if (windowSpins == WINDOW) {
            // a machine whose CPUs are taken stays so for a while: the backoff comes down only after a run of
            // clean windows, so that contention costs a few yields per thousand waits rather than a few per window
            if (windowContended < CONTENDED_PER_WINDOW && ++cleanWindows >= CLEAN_WINDOWS_TO_RESET) {
                contentionBackoffs = 0;
                cleanWindows = 0;
            }
            windowSpins = 0;
            windowContended = 0;
        }
        windowSpins++;
        switch (outcome) {
            case HIT -> {
                hits++;
                misses = 0;
            }
            case MISS -> {
                if (++misses >= MISSES_BEFORE_BACKOFF) {
                    skip = Math.min(MAX_SKIP, 1 << Math.min(misses - MISSES_BEFORE_BACKOFF + 1, 30));
                }
            }
            case CONTENDED -> {
                contended++;
                if (++windowContended >= CONTENDED_PER_WINDOW) {
                    skip = Math.min(MAX_SKIP, CONTENTION_SKIP << Math.min(contentionBackoffs, 30));
                    contentionBackoffs++;
                    cleanWindows = 0;
                    // the next window starts after the backoff and decides whether contention is still there
                    windowSpins = 0;
                    windowContended = 0;
                }
            }
        }
    }

    private Outcome spin(InputStream in) throws IOException {
        long now = clock.getAsLong();
        long deadline = now + budgetNanos;
        do {
            if (in.available() > 0) {
                return Outcome.HIT;
            }
            long before = now;
            pause.run();
            now = clock.getAsLong();
            if (now - before > CONTENDED_YIELD_NANOS) {
                return Outcome.CONTENDED;
            }
        } while (now - deadline < 0);
        return Outcome.MISS;
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
