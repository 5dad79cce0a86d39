package flymq.telemetry;

import java.util.Map;

import flymq.telemetry.tracing.OtelTracing;

/**
 * Spans for the guide's traced operations, exported over OTLP by Helidon Tracing's OpenTelemetry provider.
 *
 * <p>{@link #start} begins a span named after the {@link TraceOp}, with {@code flymq.topic}, {@code flymq.partition}
 * and the messaging semantic-convention attributes ({@code messaging.system=flymq},
 * {@code messaging.destination.name}, {@code messaging.operation.type}). A W3C {@code traceparent} (from a produced
 * record's headers) becomes the span's parent. Sampling follows the parent's decision, and {@code sample_rate}
 * for new traces. Spans are exported in batches and flushed by {@link #close()}.
 *
 * <p>{@link #disabled()} is what a broker with tracing off gets: {@link #start} returns {@link TraceSpan#NOOP}.
 */
public abstract sealed class FlyMqTracing implements AutoCloseable permits FlyMqTracing.Off, OtelTracing {

    private static final FlyMqTracing OFF = new Off();

    /** Tracing off: costs a virtual call that returns a shared no-op span. */
    public static FlyMqTracing disabled() {
        return OFF;
    }

    /** Tracing as configured: {@link #disabled()} when {@code enabled} is false. */
    public static FlyMqTracing start(TracingConfig config) {
        return config.enabled() ? OtelTracing.create(config) : OFF;
    }

    protected FlyMqTracing() {
    }

    public abstract boolean enabled();

    /**
     * Begins an operation's span.
     *
     * @param traceparent W3C {@code traceparent} of the caller (a record header), or null for a new trace
     */
    public abstract TraceSpan start(TraceOp op, String topic, int partition, String traceparent);

    /** Begins an operation's span whose parent context arrives as W3C headers ({@code traceparent}, ...). */
    public abstract TraceSpan start(TraceOp op, String topic, int partition, Map<String, String> headers);

    /**
     * Records an operation that has already finished, from what a listener learns after the fact: the span starts
     * {@code latencyNanos} before now and ends now.
     *
     * @param group       consumer group ({@code flymq.group_id}), or empty
     * @param traceparent W3C parent of the operation (a produced record's header), or null
     */
    public abstract void completed(TraceOp op, String topic, int partition, String group, long bytes,
                                   long latencyNanos, String traceparent);

    /** Exports what is buffered and stops; waits a bounded time for the collector. */
    @Override
    public abstract void close();

    static final class Off extends FlyMqTracing {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public TraceSpan start(TraceOp op, String topic, int partition, String traceparent) {
            return TraceSpan.NOOP;
        }

        @Override
        public TraceSpan start(TraceOp op, String topic, int partition, Map<String, String> headers) {
            return TraceSpan.NOOP;
        }

        @Override
        public void completed(TraceOp op, String topic, int partition, String group, long bytes, long latencyNanos,
                              String traceparent) {
        }

        @Override
        public void close() {
        }
    }
}
