package flymq.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether this machine has a CPU to spare for spinning, from Linux's CPU pressure stall information
 * ({@code /proc/pressure/cpu}: the {@code some ... total=} microseconds during which at least one runnable task waited
 * for a CPU).
 *
 * <p>Why: a spinning thread on a machine whose CPUs are all wanted takes CPU time the peer it waits for needs, and
 * loses the scheduler credit that would let it run at once when woken, so that spinning makes a busy machine slower
 * than blocking reads would. A yield that takes long shows contention only after it has cost a time slice; the stall
 * counter shows it before. The threshold is high because the two spinning ends of a round trip hold both CPUs of a
 * 2-vCPU machine by themselves, so every other thread that wakes waits a little: the counter must tell that apart
 * from a machine with more CPU-bound tasks than CPUs (figures: docs/benchmarks.md, "Read spinning and --single").
 *
 * <p>The counter is sampled at most every {@value #SAMPLE_MILLIS} ms, by whichever waiting thread finds the last
 * sample stale (no thread of its own). A sample interval with more than {@value #STALL_PERCENT}% stall while
 * spinning was allowed forbids spinning for 100 ms, doubling with each such interval in a row up to 6.4 s; an
 * interval without stall while spinning was allowed resets that. Intervals spent mostly under a ban say nothing
 * about what spinning would do, so they change nothing but the baseline. Where the file does not exist
 * (not Linux, or a kernel without PSI) spinning is always allowed and only {@link ReadSpin}'s own checks apply.
 */
final class SpareCpu {
    static final long SAMPLE_MILLIS = 50;
    static final int STALL_PERCENT = 50;
    static final long FIRST_BAN_MILLIS = 100;
    static final int MAX_BAN_DOUBLINGS = 6;
    private static final Path PSI = Path.of("/proc/pressure/cpu");

    static final SpareCpu SYSTEM = new SpareCpu(SpareCpu::readPsiTotal, System::nanoTime);

    private final Supplier<OptionalLong> stallMicros;
    private final LongSupplier clock;
    private final ReentrantLock sampling = new ReentrantLock();
    private volatile long nextSampleNanos;
    private volatile long bannedUntilNanos;
    private volatile boolean unavailable;
    private long lastTotal = -1;
    private long lastSampleNanos;
    private int strikes;

    SpareCpu(Supplier<OptionalLong> stallMicros, LongSupplier clock) {
        this.stallMicros = stallMicros;
        this.clock = clock;
    }

    /** Whether a wait may spin now; cheap (a clock read and two volatile reads) except once per sample interval. */
    boolean allowsSpin() {
        if (unavailable) {
            return true;
        }
        long now = clock.getAsLong();
        if (now - nextSampleNanos >= 0 && sampling.tryLock()) {
            try {
                sample(now);
            } finally {
                sampling.unlock();
            }
        }
        return now - bannedUntilNanos >= 0;
    }

    private void sample(long now) {
        OptionalLong total = stallMicros.get();
        if (total.isEmpty()) {
            unavailable = true;
            return;
        }
        long t = total.getAsLong();
        long interval = now - lastSampleNanos;
        // an interval spent mostly under a ban says nothing about what spinning does to the machine
        if (lastTotal >= 0 && bannedUntilNanos - lastSampleNanos <= interval / 2) {
            long elapsedMicros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(interval));
            if ((t - lastTotal) * 100 > elapsedMicros * STALL_PERCENT) {
                long ban = TimeUnit.MILLISECONDS.toNanos(FIRST_BAN_MILLIS) << Math.min(strikes, MAX_BAN_DOUBLINGS);
                strikes++;
                bannedUntilNanos = now + ban;
            } else {
                strikes = 0;
            }
        }
        lastTotal = t;
        lastSampleNanos = now;
        nextSampleNanos = now + TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);
    }

    /** Consecutive stalled intervals (for tests). */
    int strikes() {
        return strikes;
    }

    private static OptionalLong readPsiTotal() {
        try {
            String text = new String(Files.readAllBytes(PSI), StandardCharsets.US_ASCII);
            int line = text.indexOf("some ");
            int at = text.indexOf("total=", line);
            if (line < 0 || at < 0) {
                return OptionalLong.empty();
            }
            int end = at + 6;
            while (end < text.length() && Character.isDigit(text.charAt(end))) {
                end++;
            }
            return OptionalLong.of(Long.parseLong(text, at + 6, end, 10));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
