package flymq.telemetry.health;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;

/**
 * Heap in use against the JVM's heap limit ({@code -Xmx}): degraded above 90 %, unhealthy above 98 % (the next
 * allocation burst will likely fail).
 */
public final class MemoryCheck implements HealthCheck {

    private static final long MB = 1024 * 1024;

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public HealthCheckResponse call() {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        long limit = rt.maxMemory();
        double share = (double) used / limit;
        HealthStatus status = share > 0.98 ? HealthStatus.UNHEALTHY
                : share > 0.90 ? HealthStatus.DEGRADED : HealthStatus.HEALTHY;
        HealthCheckResponse.Builder b = HealthCheckResponse.builder()
                .status(status != HealthStatus.UNHEALTHY)
                .detail("status", status.json())
                .detail("used_mb", used / MB)
                .detail("limit_mb", limit / MB);
        if (status != HealthStatus.HEALTHY) {
            b.detail("error", String.format(java.util.Locale.ROOT, "heap %d MB of %d MB in use (%.0f%%)",
                    used / MB, limit / MB, share * 100));
        }
        return b.build();
    }
}
