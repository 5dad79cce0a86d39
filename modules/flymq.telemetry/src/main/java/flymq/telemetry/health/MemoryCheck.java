package flymq.telemetry.health;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.function.Supplier;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;

/**
 * The heap that survived the last garbage collection against the JVM's heap limit ({@code -Xmx}): degraded above
 * 90 %, unhealthy above 98 % (what is still live after a collection leaves no room for the next burst).
 *
 * <p>Why after a collection: the heap in use at any instant counts garbage not collected yet. After a burst of
 * produce requests an idle broker's young generation can sit full of dead buffers for minutes (nothing allocates,
 * so nothing collects), and a reading of the instant called it unhealthy. Each heap pool's
 * {@link MemoryPoolMXBean#getCollectionUsage() collection usage} is its occupancy right after the last collection
 * that covered it: an emptied eden counts 0, survivor and old space count what the collector kept. Until the first
 * collection has run, the pools report nothing, and the reading of the instant is used.
 */
public final class MemoryCheck implements HealthCheck {

    private static final long MB = 1024 * 1024;

    /** One heap pool: bytes in use now, and bytes in use right after its last collection (-1: none yet). */
    record Pool(String name, long usedNow, long usedAfterCollection) {
    }

    /** What the check judges: the heap after the last collection, the heap's limit, and whether any GC ran. */
    record Heap(long used, long limit, boolean collected) {
    }

    private final Supplier<Heap> heap;

    public MemoryCheck() {
        this(() -> afterLastCollection(heapPools(), Runtime.getRuntime().maxMemory()));
    }

    MemoryCheck(Supplier<Heap> heap) {
        this.heap = heap;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public HealthCheckResponse call() {
        Heap h = heap.get();
        double share = (double) h.used() / h.limit();
        HealthStatus status = share > 0.98 ? HealthStatus.UNHEALTHY
                : share > 0.90 ? HealthStatus.DEGRADED : HealthStatus.HEALTHY;
        HealthCheckResponse.Builder b = HealthCheckResponse.builder()
                .status(status != HealthStatus.UNHEALTHY)
                .detail("status", status.json())
                .detail("used_mb", h.used() / MB)
                .detail("limit_mb", h.limit() / MB);
        if (status != HealthStatus.HEALTHY) {
            b.detail("error", String.format(java.util.Locale.ROOT, "heap %d MB of %d MB in use %s (%.0f%%)",
                    h.used() / MB, h.limit() / MB, h.collected() ? "after the last collection" : "(no collection yet)",
                    share * 100));
        }
        return b.build();
    }

    /**
     * The sum over heap pools of their use after their last collection; before any collection ran (every pool
     * reports 0), and for a pool that does not report it (-1), their use now.
     */
    static Heap afterLastCollection(List<Pool> pools, long limit) {
        boolean collected = pools.stream().anyMatch(p -> p.usedAfterCollection() > 0);
        long used = 0;
        for (Pool p : pools) {
            used += collected && p.usedAfterCollection() >= 0 ? p.usedAfterCollection() : p.usedNow();
        }
        return new Heap(used, limit, collected);
    }

    private static List<Pool> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid())
                .map(p -> {
                    MemoryUsage after = p.getCollectionUsage(); // null: the pool does not report it
                    return new Pool(p.getName(), p.getUsage().getUsed(), after == null ? -1 : after.getUsed());
                })
                .toList();
    }
}
