package flymq.telemetry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.health.HealthCheckResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory check judges the heap that survived the last collection, not garbage that is waiting for one. */
class MemoryCheckTest {
    private static final long MB = 1024 * 1024;
    private static final long LIMIT = 256 * MB;

    private static HealthCheckResponse check(long usedMb) {
        return new MemoryCheck(() -> new MemoryCheck.Heap(usedMb * MB, LIMIT, true)).call();
    }

    @Test
    void anIdleBrokerAfterABurstIsHealthy() {
        // eden full of the burst's dead request buffers, 40 MB live in old space after the last collection
        var heap = MemoryCheck.afterLastCollection(List.of(
                new MemoryCheck.Pool("G1 Eden Space", 200 * MB, 0),
                new MemoryCheck.Pool("G1 Survivor Space", 4 * MB, 4 * MB),
                new MemoryCheck.Pool("G1 Old Gen", 50 * MB, 40 * MB)), LIMIT);
        assertEquals(44 * MB, heap.used());
        HealthCheckResponse r = new MemoryCheck(() -> heap).call();
        assertEquals(HealthCheckResponse.Status.UP, r.status());
        assertEquals("healthy", r.details().get("status"));
        assertEquals(44L, r.details().get("used_mb"));
        assertEquals(256L, r.details().get("limit_mb"));
    }

    @Test
    void beforeTheFirstCollectionTheHeapInUseNowCounts() {
        var heap = MemoryCheck.afterLastCollection(List.of(
                new MemoryCheck.Pool("eden", 12 * MB, 0),
                new MemoryCheck.Pool("old", 3 * MB, 0)), LIMIT);
        assertFalse(heap.collected());
        assertEquals(15 * MB, heap.used());
    }

    @Test
    void aPoolThatReportsNoCollectionUsageCountsWhatItHoldsNow() {
        var heap = MemoryCheck.afterLastCollection(List.of(
                new MemoryCheck.Pool("eden", 100 * MB, 0),
                new MemoryCheck.Pool("old", 30 * MB, 20 * MB),
                new MemoryCheck.Pool("odd", 7 * MB, -1)), LIMIT);
        assertEquals(27 * MB, heap.used());
    }

    @Test
    void liveHeapAboveNinetyPercentIsDegraded() {
        HealthCheckResponse r = check(240);
        assertEquals(HealthCheckResponse.Status.UP, r.status());
        assertEquals("degraded", r.details().get("status"));
        assertEquals("heap 240 MB of 256 MB in use after the last collection (94%)", r.details().get("error"));
    }

    @Test
    void liveHeapAboveNinetyEightPercentIsUnhealthy() {
        HealthCheckResponse r = check(252);
        assertEquals(HealthCheckResponse.Status.DOWN, r.status());
        assertEquals("unhealthy", r.details().get("status"));
    }

    @Test
    void theRunningJvmsReadingIsWithinItsHeap() {
        HealthCheckResponse r = new MemoryCheck().call();
        long used = (Long) r.details().get("used_mb");
        long limit = (Long) r.details().get("limit_mb");
        assertTrue(used >= 0 && used <= limit, r.details().toString());
        assertEquals(Runtime.getRuntime().maxMemory() / MB, limit);
    }
}
