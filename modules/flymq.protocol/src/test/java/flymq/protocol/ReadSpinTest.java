package flymq.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The spin policy, on a simulated clock: every pause between polls advances it by {@link #PAUSE} (an idle CPU's
 * yield) unless a test makes the pause look like a contended one, so no result depends on the machine's load.
 */
class ReadSpinTest {
    private static final long PAUSE = 1_000;
    private static final long BUDGET = 200 * PAUSE;

    /** A clock that moves only when a pause runs. */
    private static final class SimulatedCpu {
        long now;
        long pauseNanos = PAUSE;

        ReadSpin spin(long budget) {
            return new ReadSpin(budget, () -> now += pauseNanos, () -> now, SpareCpuTest.idleMachine());
        }
    }

    /** A socket stand-in: {@code available()} reports nothing for the first {@code emptyPolls} calls. */
    private static final class Arriving extends InputStream {
        final AtomicInteger polls = new AtomicInteger();
        final int emptyPolls;
        volatile boolean consumed;

        Arriving(int emptyPolls) {
            this.emptyPolls = emptyPolls;
        }

        @Override
        public int available() {
            return polls.incrementAndGet() > emptyPolls ? 8 : 0;
        }

        @Override
        public int read() {
            consumed = true;
            return 0;
        }
    }

    private static Arriving silent() {
        return new Arriving(Integer.MAX_VALUE);
    }

    @Test
    void returnsAsSoonAsInputArrivesWithoutConsumingIt() throws IOException {
        ReadSpin spin = new SimulatedCpu().spin(BUDGET);
        Arriving in = new Arriving(100);
        spin.awaitInput(in);
        assertEquals(101, in.polls.get(), "polled until the input was there, not once more");
        assertEquals(1, spin.hits());
        assertFalse(in.consumed, "a wait never reads");
    }

    @Test
    void givesUpAfterItsBudgetSoTheCallerBlocksInTheRead() throws IOException {
        SimulatedCpu cpu = new SimulatedCpu();
        ReadSpin spin = cpu.spin(BUDGET);
        Arriving in = silent();
        spin.awaitInput(in);
        assertEquals(BUDGET, cpu.now, "spun for exactly the budget");
        assertEquals(BUDGET / PAUSE, in.polls.get());
        assertEquals(1, spin.spins());
        assertEquals(0, spin.hits());
    }

    @Test
    void zeroBudgetNeverPolls() throws IOException {
        ReadSpin spin = new ReadSpin(0);
        Arriving in = new Arriving(0);
        spin.awaitInput(in);
        assertEquals(0, in.polls.get());
        assertEquals(0, spin.spins());
    }

    @Test
    void negativeBudgetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ReadSpin(-1));
    }

    @Test
    void consecutiveMissesBackOffAndOneHitResetsTheBackoff() throws IOException {
        ReadSpin spin = new SimulatedCpu().spin(BUDGET);
        Arriving silent = silent();
        for (int i = 0; i < ReadSpin.MISSES_BEFORE_BACKOFF; i++) {
            spin.awaitInput(silent);
        }
        assertEquals(ReadSpin.MISSES_BEFORE_BACKOFF, spin.spins());
        int skip = spin.skipping();
        assertTrue(skip > 0, "backed off after " + ReadSpin.MISSES_BEFORE_BACKOFF + " misses");
        int polls = silent.polls.get();
        for (int i = 0; i < skip; i++) {
            spin.awaitInput(silent);
        }
        assertEquals(polls, silent.polls.get(), "skipped waits do not poll");
        assertEquals(ReadSpin.MISSES_BEFORE_BACKOFF, spin.spins());

        spin.awaitInput(silent);
        assertTrue(spin.skipping() > skip, "a further miss doubles the backoff: " + spin.skipping());
        for (int i = spin.skipping(); i > 0; i--) {
            spin.awaitInput(silent);
        }
        spin.awaitInput(new Arriving(0));
        assertEquals(1, spin.hits());
        spin.awaitInput(silent);
        assertEquals(0, spin.skipping(), "after a hit, one miss does not back off");
    }

    @Test
    void backoffIsCapped() throws IOException {
        ReadSpin spin = new SimulatedCpu().spin(PAUSE);
        Arriving silent = silent();
        for (int round = 0; round < 40; round++) {
            spin.awaitInput(silent);
            assertTrue(spin.skipping() <= ReadSpin.MAX_SKIP, "skip " + spin.skipping());
            for (int i = spin.skipping(); i > 0; i--) {
                spin.awaitInput(silent);
            }
        }
        spin.awaitInput(silent);
        assertEquals(ReadSpin.MAX_SKIP, spin.skipping());
    }

    @Test
    void aYieldThatGaveTheCpuAwayEndsThatWaitWithoutBackingOffOnItsOwn() throws IOException {
        SimulatedCpu cpu = new SimulatedCpu();
        cpu.pauseNanos = ReadSpin.CONTENDED_YIELD_NANOS + 1;
        ReadSpin spin = cpu.spin(BUDGET);
        Arriving in = silent();
        for (int i = 0; i < ReadSpin.CONTENDED_PER_WINDOW - 1; i++) {
            spin.awaitInput(in);
        }
        assertEquals(ReadSpin.CONTENDED_PER_WINDOW - 1, in.polls.get(), "one poll per wait, then it blocked");
        assertEquals(ReadSpin.CONTENDED_PER_WINDOW - 1, spin.contended());
        assertEquals(0, spin.skipping(), "a few contended yields are noise, not a reason to stop spinning");
    }

    @Test
    void contendedYieldsPiledUpInOneWindowBackOffAndKeepBackingOffWhileTheyRecur() throws IOException {
        SimulatedCpu cpu = new SimulatedCpu();
        cpu.pauseNanos = ReadSpin.CONTENDED_YIELD_NANOS + 1;
        ReadSpin spin = cpu.spin(BUDGET);
        Arriving in = silent();
        for (int i = 0; i < ReadSpin.CONTENDED_PER_WINDOW; i++) {
            spin.awaitInput(in);
        }
        assertEquals(ReadSpin.CONTENTION_SKIP, spin.skipping());
        for (int i = spin.skipping(); i > 0; i--) {
            spin.awaitInput(in);
        }
        for (int i = 0; i < ReadSpin.CONTENDED_PER_WINDOW; i++) {
            spin.awaitInput(in);
        }
        assertEquals(2 * ReadSpin.CONTENTION_SKIP, spin.skipping(), "still contended: the backoff doubles");
    }

    @Test
    void contentionBackoffComesDownOnlyAfterARunOfCleanWindows() throws IOException {
        SimulatedCpu cpu = new SimulatedCpu();
        ReadSpin spin = cpu.spin(BUDGET);
        tripContention(cpu, spin);
        assertEquals(ReadSpin.CONTENTION_SKIP, spin.skipping());
        skipAll(spin);
        answeredWindows(spin, ReadSpin.CLEAN_WINDOWS_TO_RESET - 1);
        tripContention(cpu, spin);
        assertEquals(2 * ReadSpin.CONTENTION_SKIP, spin.skipping(), "too few clean windows: the backoff stays up");
        skipAll(spin);
        answeredWindows(spin, ReadSpin.CLEAN_WINDOWS_TO_RESET);
        tripContention(cpu, spin);
        assertEquals(ReadSpin.CONTENTION_SKIP, spin.skipping(), "after enough clean windows it starts over");
    }

    private static void tripContention(SimulatedCpu cpu, ReadSpin spin) throws IOException {
        cpu.pauseNanos = ReadSpin.CONTENDED_YIELD_NANOS + 1;
        for (int i = 0; i < ReadSpin.CONTENDED_PER_WINDOW; i++) {
            spin.awaitInput(silent());
        }
        cpu.pauseNanos = PAUSE;
    }

    private static void skipAll(ReadSpin spin) throws IOException {
        for (int i = spin.skipping(); i > 0; i--) {
            spin.awaitInput(silent());
        }
    }

    private static void answeredWindows(ReadSpin spin, int windows) throws IOException {
        for (int i = 0; i < windows * ReadSpin.WINDOW; i++) {
            spin.awaitInput(new Arriving(1));
        }
    }

    @Test
    void noSpinningWhileTheMachineHasNoCpuToSpare() throws IOException {
        SpareCpuTest.Pressure pressure = new SpareCpuTest.Pressure();
        SpareCpu machine = pressure.machine();
        assertTrue(machine.allowsSpin(), "the first sample is only a baseline");
        pressure.stallFor(SpareCpu.SAMPLE_MILLIS, 100);
        assertFalse(machine.allowsSpin(), "a fully stalled interval forbids spinning");
        ReadSpin spin = new ReadSpin(BUDGET, () -> { }, () -> pressure.nowNanos, machine);
        Arriving in = silent();
        spin.awaitInput(in);
        assertEquals(0, in.polls.get());
        assertEquals(0, spin.spins());
    }

    @Test
    void virtualThreadsNeverSpin() throws Exception {
        ReadSpin spin = new SimulatedCpu().spin(BUDGET);
        Arriving in = silent();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                spin.awaitInput(in);
            } catch (Throwable t) {
                failure.set(t);
            }
        }).join();
        assertEquals(null, failure.get());
        assertEquals(0, in.polls.get());
    }

    @Test
    void waitsBeyondTheProcessWideSpinnerLimitBlockAtOnce() throws Exception {
        // occupy every spinning slot with a wait whose poll is held until released
        CountDownLatch polling = new CountDownLatch(ReadSpin.MAX_SPINNERS);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> holders = new ArrayList<>();
        for (int i = 0; i < ReadSpin.MAX_SPINNERS; i++) {
            InputStream held = new InputStream() {
                @Override
                public int available() {
                    polling.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return 1;
                }

                @Override
                public int read() {
                    return 0;
                }
            };
            ReadSpin holder = new SimulatedCpu().spin(BUDGET);
            holders.add(Thread.ofPlatform().daemon().start(() -> {
                try {
                    holder.awaitInput(held);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        try {
            assertTrue(polling.await(10, TimeUnit.SECONDS), "every slot is spinning");
            ReadSpin extra = new SimulatedCpu().spin(BUDGET);
            Arriving in = silent();
            extra.awaitInput(in);
            assertEquals(0, in.polls.get(), "no slot left: returned without polling");
            assertEquals(0, extra.spins());
        } finally {
            release.countDown();
            for (Thread t : holders) {
                t.join(10_000);
            }
        }
        ReadSpin after = new SimulatedCpu().spin(BUDGET);
        after.awaitInput(new Arriving(0));
        assertEquals(1, after.hits(), "slots are given back");
    }

    @Test
    void aClosedStreamFailsTheWaitLikeTheReadWould() {
        InputStream closed = new InputStream() {
            @Override
            public int available() throws IOException {
                throw new IOException("Socket closed");
            }

            @Override
            public int read() {
                return -1;
            }
        };
        IOException e = assertThrows(IOException.class, () -> new SimulatedCpu().spin(BUDGET).awaitInput(closed));
        assertEquals("Socket closed", e.getMessage());
        // had the failed wait kept its slot, this one would find none free (on 2 CPUs) and return without polling
        assertThrows(IOException.class, () -> new SimulatedCpu().spin(BUDGET).awaitInput(closed));
    }
}
