package flymq.cli.bench;

import flymq.cli.output.Json;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts records and bytes and records latencies (microseconds, 3 significant digits) from any number of threads;
 * prints a progress line per interval and the final summary, as text or as the JSON object scripts compare:
 * {@code {"records":n,"records_per_sec":x,"mb_per_sec":y,"latency_ms":{"avg","p50","p95","p99","p999","max"},
 * "seconds"}}, for produce also {@code "failed","retried_batches","max_ack_gap_ms"}. MB is 1024 x 1024 bytes, as in
 * Kafka's tools. The last three show what a failover cost: records that failed for good, batches the producers sent again, and the longest
 * wait between two acknowledgements (for a leader killed under a steady load: about the time to the first
 * acknowledgement after the kill).
 *
 * <p>{@link #record} runs on the threads that complete the records (a client's reader thread), so it takes no lock:
 * a reader that waits delays every answer behind it, and with them the producer's next requests. The monitor only
 * orders folding the interval's latencies into the totals; the progress line is formatted and printed outside it.
 * (The first {@code printf} of a JVM loads the locale data for its number format, 35 ms of work in a JFR recording;
 * done under the monitor mid-run, it stopped the reader thread for that long and showed as the worst latencies of a
 * run at 10,000 records/s. The constructor formats a number once so that this happens before the run.)
 */
final class BenchStats {
    private final Recorder recorder = new Recorder(3);
    private final Histogram total = new Histogram(3);
    private Histogram intervalHistogram;
    private final LongAdder records = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final long startNanos = System.nanoTime();
    private long lastReportNanos = startNanos;
    private long lastReportRecords;
    private long lastReportBytes;
    private long endNanos;
    private final LongAdder failed = new LongAdder();
    private final LongAdder retried = new LongAdder();
    /** When the last acknowledgement came ({@link #NO_ACK}: none yet), and the longest wait between two. */
    private final AtomicLong lastAckNanos = new AtomicLong(NO_ACK);
    private final LongAccumulator maxAckGapNanos = new LongAccumulator(Math::max, 0);
    private static final long NO_ACK = Long.MIN_VALUE;
    private volatile boolean deliveryReport;

    BenchStats() {
        String.format(Locale.ROOT, "%.1f", 0.0); // see the class comment: the locale data loads here, not mid-run
    }

    void record(long latencyNanos, int recordBytes) {
        recorder.recordValue(Math.max(0, latencyNanos / 1000));
        records.increment();
        bytes.add(recordBytes);
        acknowledged();
    }

    private void acknowledged() {
        long now = System.nanoTime();
        long previous = lastAckNanos.getAndSet(now);
        if (previous != NO_ACK) {
            maxAckGapNanos.accumulate(now - previous);
        }
    }

    /** The summary also reports failed records, retried batches and the longest wait between acknowledgements. */
    void reportDelivery() {
        deliveryReport = true;
    }

    /** A record that failed for good (after its retries). */
    void failed() {
        failed.increment();
    }

    long failedRecords() {
        return failed.sum();
    }

    /** Batches a producer sent again after a transient failure. */
    void retried(long batches) {
        retried.add(batches);
    }

    /** Counts records without a latency sample (consume: one sample per fetch, many records). */
    void count(long n, long nBytes) {
        records.add(n);
        bytes.add(nBytes);
    }

    void latency(long latencyNanos) {
        recorder.recordValue(Math.max(0, latencyNanos / 1000));
    }

    long records() {
        return records.sum();
    }

    /** Folds the latencies recorded since the last call into the totals; returns the interval's. */
    private synchronized Histogram drain() {
        intervalHistogram = recorder.getIntervalHistogram(intervalHistogram);
        total.add(intervalHistogram);
        return intervalHistogram;
    }

    /** Prints the interval's line; called by one thread at a time (the progress timer). */
    void progress(PrintWriter err, String verb) {
        long now = System.nanoTime();
        double mean;
        long max;
        long count;
        synchronized (this) {
            Histogram h = drain();
            count = h.getTotalCount();
            mean = count == 0 ? 0 : h.getMean();
            max = h.getMaxValue();
        }
        long r = records.sum();
        long b = bytes.sum();
        double secs = (now - lastReportNanos) / 1e9;
        err.printf(Locale.ROOT, "%d records %s, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max "
                        + "latency.%n", r - lastReportRecords, verb, (r - lastReportRecords) / secs,
                (b - lastReportBytes) / secs / (1024 * 1024), mean / 1000, max / 1000.0);
        err.flush();
        lastReportNanos = now;
        lastReportRecords = r;
        lastReportBytes = b;
    }

    synchronized void finish() {
        endNanos = System.nanoTime();
        drain();
    }

    double seconds() {
        return Math.max(1e-9, (endNanos - startNanos) / 1e9);
    }

    private static double ms(long micros) {
        return Math.round(micros / 1000.0 * 1000) / 1000.0;
    }

    synchronized void summary(PrintWriter out, boolean json, String verb) {
        long r = records.sum();
        double rps = r / seconds();
        double mbps = bytes.sum() / seconds() / (1024 * 1024);
        double avg = total.getTotalCount() == 0 ? 0 : Math.round(total.getMean()) / 1000.0;
        if (json) {
            java.util.Map<String, Object> delivery = !deliveryReport ? java.util.Map.of() : Json.object(
                    "failed", failed.sum(),
                    "retried_batches", retried.sum(),
                    "max_ack_gap_ms", Math.round(maxAckGapNanos.get() / 1e3) / 1000.0);
            java.util.Map<String, Object> fields = Json.object(
                    "records", r,
                    "records_per_sec", Math.round(rps * 10) / 10.0,
                    "mb_per_sec", Math.round(mbps * 100) / 100.0,
                    "latency_ms", Json.object(
                            "avg", avg,
                            "p50", ms(total.getValueAtPercentile(50)),
                            "p95", ms(total.getValueAtPercentile(95)),
                            "p99", ms(total.getValueAtPercentile(99)),
                            "p999", ms(total.getValueAtPercentile(99.9)),
                            "max", ms(total.getMaxValue())),
                    "seconds", Math.round(seconds() * 1000) / 1000.0);
            fields.putAll(delivery);
            out.println(Json.write(fields));
        } else {
            out.printf(Locale.ROOT, "%d records %s, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max "
                            + "latency, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.%n", r, verb, rps, mbps,
                    avg, ms(total.getMaxValue()), ms(total.getValueAtPercentile(50)),
                    ms(total.getValueAtPercentile(95)), ms(total.getValueAtPercentile(99)),
                    ms(total.getValueAtPercentile(99.9)));
            if (deliveryReport && (failed.sum() > 0 || retried.sum() > 0)) {
                out.printf(Locale.ROOT, "%d records failed, %d batches retried, %.1f ms longest wait between two "
                        + "acknowledgements.%n", failed.sum(), retried.sum(), maxAckGapNanos.get() / 1e6);
            }
        }
        out.flush();
    }
}
