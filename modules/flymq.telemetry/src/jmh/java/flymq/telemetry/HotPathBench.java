package flymq.telemetry;

import java.util.concurrent.TimeUnit;

import flymq.telemetry.metrics.MetricFamilies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the broker pays per request for telemetry: the metric calls a produce (or fetch) makes, and a traced
 * produce with tracing off, against a request that does the same stand-in work with telemetry absent.
 *
 * <p>The stand-in work ({@code work} tokens of {@link Blackhole#consumeCPU}) is a fixed CPU cost in place of the
 * broker's own append, so the ratio shows what share of a request of that size telemetry takes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBench {

    /** Stand-in request cost; 500 tokens is about 1 µs on a current x86 core. */
    @Param({"500"})
    public int work;

    FlyMqMetrics metrics;
    FlyMqTracing tracingOff;
    final String[] topics = {"orders", "payments", "audit", "clicks"};

    @Setup(Level.Trial)
    public void setUp() {
        metrics = new FlyMqMetrics(MetricFamilies.newRegistry());
        tracingOff = FlyMqTracing.disabled();
        for (String t : topics) {
            metrics.produced(t, 0, 1, 1, 1);
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int i;
    }

    @Benchmark
    @Threads(1)
    public void produceTelemetryAbsent(Cursor c) {
        Blackhole.consumeCPU(work);
        c.i++;
    }

    @Benchmark
    @Threads(1)
    public void produceMetricsOnTracingOff(Cursor c) {
        String topic = topics[c.i++ & 3];
        TraceSpan span = tracingOff.start(TraceOp.PRODUCE, topic, 0, (String) null);
        Blackhole.consumeCPU(work);
        metrics.produced(topic, c.i & 7, 10, 1000, 42_000);
        metrics.storageWritten(topic, c.i & 7, 1000);
        span.end();
    }

    @Benchmark
    @Threads(1)
    public void metricsCallsOnly(Cursor c) {
        String topic = topics[c.i++ & 3];
        metrics.produced(topic, c.i & 7, 10, 1000, 42_000);
        metrics.storageWritten(topic, c.i & 7, 1000);
    }

    @Benchmark
    @Threads(2)
    public void metricsCallsOnlyTwoThreads(Cursor c) {
        String topic = topics[c.i++ & 3];
        metrics.produced(topic, c.i & 7, 10, 1000, 42_000);
        metrics.storageWritten(topic, c.i & 7, 1000);
    }

    /**
     * Every span call a produce handler makes with tracing off (broker's RequestTracing: start flymq.produce, size,
     * the append child with offset and size, end both), against {@link #spanCallsAbsent}: the price of "tracing off".
     */
    @Benchmark
    @Threads(1)
    public TraceSpan tracingOffProduceSpanCalls(Cursor c) {
        String topic = topics[c.i++ & 3];
        TraceSpan span = tracingOff.start(TraceOp.PRODUCE, topic, 0, (String) null).messageSize(1000);
        TraceSpan append = span.child(TraceOp.STORAGE_APPEND, topic, 0);
        append.offset(c.i).messageSize(1000);
        append.end();
        span.offset(c.i);
        span.end();
        return span;
    }

    @Benchmark
    @Threads(1)
    public String spanCallsAbsent(Cursor c) {
        return topics[c.i++ & 3];
    }
}
