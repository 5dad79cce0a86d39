package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The learners' token bucket on a fake clock: a second's worth passes, more waits its share, 0 never waits. */
class ReassignmentThrottleTest {
    private long now;
    private final List<Long> waits = new ArrayList<>();

    private ReassignmentThrottle throttle(long bytesPerSec) {
        return new ReassignmentThrottle(bytesPerSec, () -> now, nanos -> {
            waits.add(nanos);
            now += nanos;
        });
    }

    @Test
    void aSecondsWorthPassesAndMoreWaitsForItsShare() {
        ReassignmentThrottle t = throttle(1_000);
        t.acquire(1_000);
        assertEquals(List.of(), waits, "the bucket starts full");
        t.acquire(500);
        assertEquals(List.of(500_000_000L), waits, "500 bytes more at 1000/s: half a second");
        now += 2_000_000_000L; // idle for two seconds: at most one second's worth accrues
        t.acquire(1_000);
        t.acquire(1_000);
        assertEquals(List.of(500_000_000L, 1_000_000_000L), waits);
    }

    @Test
    void zeroIsUnthrottled() {
        ReassignmentThrottle t = throttle(0);
        t.acquire(Long.MAX_VALUE / 2);
        assertEquals(List.of(), waits);
    }
}
