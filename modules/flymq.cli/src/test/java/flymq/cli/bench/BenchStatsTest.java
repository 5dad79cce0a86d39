package flymq.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.output.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BenchStatsTest {

    /** A writer that holds the first write until released: a progress line that takes as long as the test wants. */
    private static final class HeldWriter extends Writer {
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void write(char[] buf, int off, int len) {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** Not the common pool: on a two-core machine it has one thread, which the held print would occupy. */
    private static CompletableFuture<Void> onItsOwnThread(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    @Test
    void recordingGoesOnWhileAProgressLineIsBeingPrinted() throws Exception {
        BenchStats stats = new BenchStats();
        stats.record(1_000_000, 100);
        HeldWriter held = new HeldWriter();
        CompletableFuture<Void> printing = onItsOwnThread(() -> stats.progress(new PrintWriter(held), "sent"));
        assertTrue(held.writing.await(10, TimeUnit.SECONDS), "the progress line was not written");

        // the progress thread is inside its print now; recording (a client's reader thread) must not wait for it
        CompletableFuture<Void> recording = onItsOwnThread(() -> {
            for (int i = 0; i < 1000; i++) {
                stats.record(2_000_000, 100);
            }
        });
        recording.get(10, TimeUnit.SECONDS);
        assertEquals(1001, stats.records());

        held.release.countDown();
        printing.get(10, TimeUnit.SECONDS);
    }

    @Test
    void summaryCountsEveryRecordAndTheLongestGapBetweenAcknowledgements() throws Exception {
        BenchStats stats = new BenchStats();
        stats.reportDelivery();
        stats.record(1_000_000, 100);
        long before = System.nanoTime();
        Thread.sleep(20); // a gap the summary must report at least this long
        long gap = System.nanoTime() - before;
        stats.record(3_000_000, 100);
        StringWriter progress = new StringWriter();
        stats.progress(new PrintWriter(progress), "sent");
        assertTrue(progress.toString().startsWith("2 records sent"), progress.toString());
        stats.finish();
        StringWriter out = new StringWriter();
        stats.summary(new PrintWriter(out), true, "sent");
        Map<?, ?> json = (Map<?, ?>) Json.parse(out.toString().trim());
        assertEquals(2, ((Number) json.get("records")).intValue());
        double maxGapMs = ((Number) json.get("max_ack_gap_ms")).doubleValue();
        assertTrue(maxGapMs >= gap / 1e6 - 0.001, "max_ack_gap_ms " + maxGapMs + " < " + gap / 1e6);
        Map<?, ?> latency = (Map<?, ?>) json.get("latency_ms");
        assertEquals(3.0, ((Number) latency.get("max")).doubleValue(), 0.01);
    }
}
