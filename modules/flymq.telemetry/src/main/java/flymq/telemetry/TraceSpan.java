package flymq.telemetry;

/**
 * One traced operation in progress. Obtained from {@link FlyMqTracing#start}; always {@link #end()} it (in a
 * finally). With tracing off every method is an empty call on a shared instance.
 */
public interface TraceSpan {

    /** {@code flymq.offset}: the (first) offset the operation wrote or read. */
    TraceSpan offset(long offset);

    /** {@code flymq.message_size}: bytes of the message(s). */
    TraceSpan messageSize(long bytes);

    /** {@code flymq.group_id}: the consumer group, if any (empty is ignored). */
    TraceSpan group(String group);

    /**
     * Links this span to the span that produced a record, given that record's W3C {@code traceparent} header
     * (ignored when null or malformed).
     */
    TraceSpan linkTo(String traceparent);

    /** A child span of this one, e.g. {@code flymq.storage.append} inside {@code flymq.produce}. */
    TraceSpan child(TraceOp op, String topic, int partition);

    /** Marks the operation failed; {@link #end()} must still be called. */
    TraceSpan fail(Throwable error);

    void end();

    /**
     * Whether this span records attributes and links (tracing on and the trace sampled). Callers check it before
     * doing work only a span would use, such as scanning record headers for links.
     */
    default boolean recording() {
        return false;
    }

    /** The span every call returns while tracing is off: does nothing, allocates nothing. */
    TraceSpan NOOP = new TraceSpan() {
        @Override
        public TraceSpan offset(long offset) {
            return this;
        }

        @Override
        public TraceSpan messageSize(long bytes) {
            return this;
        }

        @Override
        public TraceSpan group(String group) {
            return this;
        }

        @Override
        public TraceSpan linkTo(String traceparent) {
            return this;
        }

        @Override
        public TraceSpan child(TraceOp op, String topic, int partition) {
            return this;
        }

        @Override
        public TraceSpan fail(Throwable error) {
            return this;
        }

        @Override
        public void end() {
        }
    };
}
