package flymq.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SpareCpuTest {
    /** A simulated PSI counter and clock. */
    static final class Pressure {
        long nowNanos = 1_000_000_000L;
        long totalMicros = 5_000;
        boolean present = true;

        SpareCpu machine() {
            return new SpareCpu(() -> present ? OptionalLong.of(totalMicros) : OptionalLong.empty(), () -> nowNanos);
        }

        /** Lets {@code millis} pass with some task waiting for a CPU {@code percent}% of the time. */
        void stallFor(long millis, int percent) {
            nowNanos += TimeUnit.MILLISECONDS.toNanos(millis);
            totalMicros += TimeUnit.MILLISECONDS.toMicros(millis) * percent / 100;
        }
    }

    /** A machine with no stall at all, for tests of everything else. */
    static SpareCpu idleMachine() {
        return new SpareCpu(() -> OptionalLong.of(0), () -> 0L);
    }

    @Test
    void anIdleMachineAllowsSpinning() {
        Pressure p = new Pressure();
        SpareCpu machine = p.machine();
        for (int i = 0; i < 10; i++) {
            assertTrue(machine.allowsSpin());
            p.stallFor(SpareCpu.SAMPLE_MILLIS, 2);
        }
        assertEquals(0, machine.strikes());
    }

    @Test
    void anIntervalAboveTheStallThresholdForbidsSpinningForAHundredMilliseconds() {
        Pressure p = new Pressure();
        SpareCpu machine = p.machine();
        assertTrue(machine.allowsSpin());
        p.stallFor(SpareCpu.SAMPLE_MILLIS, SpareCpu.STALL_PERCENT + 5);
        assertFalse(machine.allowsSpin());
        p.stallFor(SpareCpu.FIRST_BAN_MILLIS - 1, 0);
        assertFalse(machine.allowsSpin(), "still within the ban");
        p.stallFor(1, 0);
        assertTrue(machine.allowsSpin(), "the ban is over");
    }

    @Test
    void stallRecurringAfterEachBanDoublesTheBanAndAStallFreeIntervalResetsIt() {
        Pressure p = new Pressure();
        SpareCpu machine = p.machine();
        machine.allowsSpin();
        long ban = SpareCpu.FIRST_BAN_MILLIS;
        for (int strike = 1; strike <= 3; strike++) {
            p.stallFor(SpareCpu.SAMPLE_MILLIS, SpareCpu.STALL_PERCENT + 10);
            assertFalse(machine.allowsSpin());
            assertEquals(strike, machine.strikes());
            p.stallFor(ban - 1, SpareCpu.STALL_PERCENT + 10);
            assertFalse(machine.allowsSpin(), "ban " + ban + " ms not over");
            p.stallFor(1, 0);
            assertTrue(machine.allowsSpin(), "ban of " + ban + " ms over");
            ban *= 2;
        }
        p.stallFor(SpareCpu.SAMPLE_MILLIS, 0);
        assertTrue(machine.allowsSpin());
        assertEquals(0, machine.strikes(), "a clean interval while spinning was allowed resets the strikes");
    }

    @Test
    void theBanIsCapped() {
        Pressure p = new Pressure();
        SpareCpu machine = p.machine();
        machine.allowsSpin();
        for (int strike = 0; strike < 20; strike++) {
            p.stallFor(SpareCpu.SAMPLE_MILLIS, 90);
            machine.allowsSpin();
            p.stallFor(SpareCpu.FIRST_BAN_MILLIS << SpareCpu.MAX_BAN_DOUBLINGS, 0);
            assertTrue(machine.allowsSpin(), "no ban is longer than "
                    + (SpareCpu.FIRST_BAN_MILLIS << SpareCpu.MAX_BAN_DOUBLINGS) + " ms");
        }
    }

    @Test
    void samplesTakenWhileSpinningIsForbiddenDoNotCount() {
        Pressure p = new Pressure();
        SpareCpu machine = p.machine();
        machine.allowsSpin();
        p.stallFor(SpareCpu.SAMPLE_MILLIS, 90);
        assertFalse(machine.allowsSpin());
        p.stallFor(SpareCpu.SAMPLE_MILLIS, 0);
        machine.allowsSpin();
        assertEquals(1, machine.strikes(), "a quiet interval during a ban says nothing about spinning");
    }

    @Test
    void noPressureFileMeansSpinningIsAlwaysAllowed() {
        Pressure p = new Pressure();
        p.present = false;
        SpareCpu machine = p.machine();
        assertTrue(machine.allowsSpin());
        p.stallFor(SpareCpu.SAMPLE_MILLIS, 100);
        assertTrue(machine.allowsSpin());
    }

    @Test
    void theRealMachineCanBeAsked() {
        // whatever the load, the answer comes without error and a second call within the interval is cheap
        SpareCpu.SYSTEM.allowsSpin();
        SpareCpu.SYSTEM.allowsSpin();
    }
}
