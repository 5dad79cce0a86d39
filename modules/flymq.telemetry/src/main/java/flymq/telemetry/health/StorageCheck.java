package flymq.telemetry.health;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Probes the data directory the way the broker uses it: create a small file, write it, fsync it, delete it.
 *
 * <p>The probe file is {@code .flymq-health-probe} inside the data directory (8 bytes, removed at once). The probe
 * runs on its own thread with a deadline: a disk that does not answer within the deadline makes the check
 * unhealthy and {@link #wedged()} true (a broker whose disk hangs can make no progress, which is what liveness
 * means); while that probe is still stuck, no second one is started.
 */
public final class StorageCheck implements HealthCheck {

    static final String PROBE_FILE = ".flymq-health-probe";

    private final Supplier<Path> dataDir;
    private final Duration deadline;
    private final ExecutorService prober = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "flymq-health-storage-probe");
        t.setDaemon(true);
        return t;
    });
    private Future<Long> inFlight;
    private long inFlightSince;
    private volatile boolean wedged;

    public StorageCheck(Supplier<Path> dataDir, Duration deadline) {
        this.dataDir = dataDir;
        this.deadline = deadline;
    }

    @Override
    public String name() {
        return "storage";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.LIVENESS;
    }

    @Override
    public synchronized HealthCheckResponse call() {
        Path dir = dataDir.get();
        if (inFlight != null && !inFlight.isDone()) {
            long stuckMs = (System.nanoTime() - inFlightSince) / 1_000_000;
            wedged = true;
            return unhealthy(dir, "previous probe of " + dir + " still blocked after " + stuckMs + " ms");
        }
        inFlightSince = System.nanoTime();
        inFlight = prober.submit(() -> probe(dir));
        try {
            long nanos = inFlight.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
            wedged = false;
            return HealthCheckResponse.builder().status(true)
                    .detail("status", HealthStatus.HEALTHY.json())
                    .detail("latency_ms", nanos / 1_000_000)
                    .build();
        } catch (TimeoutException e) {
            wedged = true;
            return unhealthy(dir, "write+fsync in " + dir + " did not finish within " + deadline.toMillis() + " ms");
        } catch (ExecutionException e) {
            wedged = false;
            Throwable cause = e.getCause();
            return unhealthy(dir, "cannot write+fsync+delete " + dir.resolve(PROBE_FILE) + ": " + cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unhealthy(dir, "interrupted while probing " + dir);
        }
    }

    /** True while a probe of the data directory is stuck past its deadline. */
    public boolean wedged() {
        return wedged;
    }

    public void close() {
        prober.shutdownNow();
    }

    private static long probe(Path dir) throws IOException {
        long start = System.nanoTime();
        Path file = dir.resolve(PROBE_FILE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap("flymq-ok".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.force(true);
        } finally {
            Files.deleteIfExists(file);
        }
        return System.nanoTime() - start;
    }

    private static HealthCheckResponse unhealthy(Path dir, String error) {
        return HealthCheckResponse.builder().status(false)
                .detail("status", HealthStatus.UNHEALTHY.json())
                .detail("error", error)
                .build();
    }
}
