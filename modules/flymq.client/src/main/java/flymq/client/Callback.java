package flymq.client;

/**
 * What {@link FlyMqProducer#send(ProducerRecord, Callback)} calls once a record is acknowledged or has failed: with
 * where it was written and a null exception, or with a null metadata and the exception its future would have
 * completed with ({@link FlyMqServerException}, {@link ConnectionException}, ...).
 *
 * <p>It runs on one of the producer's I/O threads (the thread that reads the broker's answers, or the sender), or on
 * the thread calling {@link FlyMqProducer#close(java.time.Duration)} for a record that close fails, so it must be
 * quick: whatever it does delays the completion of the records after it, and the next requests. Hand slow work to a
 * thread of your own. {@link FlyMqProducer#flush()} from a callback throws; {@link FlyMqProducer#close()} from a
 * callback waits for nothing. Anything it throws is logged at DEBUG and otherwise ignored, as an exception
 * in a future's dependent action would be: the producer and the records after it carry on.
 */
@FunctionalInterface
public interface Callback {
    /** Exactly one of {@code metadata} and {@code exception} is non-null. */
    void onCompletion(RecordMetadata metadata, Exception exception);
}
