package flymq.client;

import flymq.protocol.Acks;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link FlyMqProducer}.
 *
 * @param batchSize       bytes of records per partition after which a batch is sent without waiting for the linger
 * @param linger          how long a batch may wait for more records before it is sent (0: send as soon as the sender
 *                        thread is free, which still batches whatever accumulated while it was busy)
 * @param maxInFlight     BATCH_PRODUCE requests sent and not yet answered, at most, on each connection (the given
 *                        client's and each partition leader's, pipelined)
 * @param acks            what the server does before answering
 * @param bufferMemory    bytes of records waiting to be sent or acknowledged after which {@code send} blocks
 * @param retries         how many times a batch is sent again after a retriable failure (Kafka's {@code retries}):
 *                        not leader, a lost connection, a timed-out answer, a busy cluster; 0 = never
 * @param retryBackoff    the wait before a batch is sent again (Kafka's {@code retry.backoff.ms}); after overload
 *                        failures each further retry of the batch waits twice as long, up to
 *                        {@link #MAX_RETRY_BACKOFF} ({@link RetryPolicy})
 * @param deliveryTimeout how long after a batch was opened its records may still be retried (Kafka's
 *                        {@code delivery.timeout.ms}): past it, a failed batch fails its records
 * @param idempotence     with {@code acks = all}: number each partition's batches so that the broker appends a
 *                        retried batch once (Kafka's {@code enable.idempotence}); without it, or with another acks, a
 *                        retry after a lost answer may append the batch twice
 */
public record ProducerConfig(int batchSize, Duration linger, int maxInFlight, Acks acks, long bufferMemory,
                             int retries, Duration retryBackoff, Duration deliveryTimeout, boolean idempotence) {
    /** The longest wait between two tries of an overloaded batch (Kafka's {@code retry.backoff.max.ms} default). */
    public static final Duration MAX_RETRY_BACKOFF = Duration.ofSeconds(1);

    public ProducerConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1 byte, got " + batchSize);
        }
        if (linger == null || linger.isNegative()) {
            throw new IllegalArgumentException("linger must be >= 0, got " + linger);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        if (bufferMemory < batchSize) {
            throw new IllegalArgumentException("bufferMemory (" + bufferMemory + ") must be >= batchSize ("
                    + batchSize + ")");
        }
        Objects.requireNonNull(acks, "acks");
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
        if (retryBackoff == null || retryBackoff.isNegative() || retryBackoff.isZero()) {
            throw new IllegalArgumentException("retryBackoff must be positive, got " + retryBackoff);
        }
        if (deliveryTimeout == null || deliveryTimeout.isNegative() || deliveryTimeout.isZero()) {
            throw new IllegalArgumentException("deliveryTimeout must be positive, got " + deliveryTimeout);
        }
    }

    /**
     * 64 KiB batches, 5 ms linger, 5 requests in flight per connection, acks leader, 32 MiB buffer; retries without a
     * count limit within a 120 s delivery timeout, 100 ms first backoff, idempotence on (it applies with acks all):
     * Kafka's defaults.
     */
    public static ProducerConfig defaults() {
        return new ProducerConfig(64 * 1024, Duration.ofMillis(5), 5, Acks.LEADER, 32L * 1024 * 1024,
                Integer.MAX_VALUE, Duration.ofMillis(100), Duration.ofSeconds(120), true);
    }

    public ProducerConfig withBatchSize(int bytes) {
        return new ProducerConfig(bytes, linger, maxInFlight, acks, Math.max(bufferMemory, bytes), retries,
                retryBackoff, deliveryTimeout, idempotence);
    }

    public ProducerConfig withLinger(Duration d) {
        return new ProducerConfig(batchSize, d, maxInFlight, acks, bufferMemory, retries, retryBackoff,
                deliveryTimeout, idempotence);
    }

    public ProducerConfig withMaxInFlight(int n) {
        return new ProducerConfig(batchSize, linger, n, acks, bufferMemory, retries, retryBackoff, deliveryTimeout,
                idempotence);
    }

    public ProducerConfig withAcks(Acks a) {
        return new ProducerConfig(batchSize, linger, maxInFlight, a, bufferMemory, retries, retryBackoff,
                deliveryTimeout, idempotence);
    }

    public ProducerConfig withBufferMemory(long bytes) {
        return new ProducerConfig(batchSize, linger, maxInFlight, acks, bytes, retries, retryBackoff, deliveryTimeout,
                idempotence);
    }

    /** How many times a failed batch is sent again (0: never; failures then reach the futures at once). */
    public ProducerConfig withRetries(int n) {
        return new ProducerConfig(batchSize, linger, maxInFlight, acks, bufferMemory, n, retryBackoff,
                deliveryTimeout, idempotence);
    }

    public ProducerConfig withRetryBackoff(Duration d) {
        return new ProducerConfig(batchSize, linger, maxInFlight, acks, bufferMemory, retries, d, deliveryTimeout,
                idempotence);
    }

    public ProducerConfig withDeliveryTimeout(Duration d) {
        return new ProducerConfig(batchSize, linger, maxInFlight, acks, bufferMemory, retries, retryBackoff, d,
                idempotence);
    }

    public ProducerConfig withIdempotence(boolean on) {
        return new ProducerConfig(batchSize, linger, maxInFlight, acks, bufferMemory, retries, retryBackoff,
                deliveryTimeout, on);
    }

    /** Whether batches carry a producer id and sequences: idempotence asked for, and acks all. */
    boolean sendsSequences() {
        return idempotence && acks == Acks.ALL;
    }
}
