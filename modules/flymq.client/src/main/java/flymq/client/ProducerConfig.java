package flymq.client;

import flymq.protocol.Acks;
import java.time.Duration;

/**
 * Settings of a {@link FlyMqProducer}.
 *
 * @param batchSize    bytes of records per partition after which a batch is sent without waiting for the linger
 * @param linger       how long a batch may wait for more records before it is sent (0: send as soon as the sender
 *                     thread is free, which still batches whatever accumulated while it was busy)
 * @param maxInFlight  BATCH_PRODUCE requests sent and not yet answered, at most (pipelined on one connection)
 * @param acks         what the server does before answering
 * @param bufferMemory bytes of records waiting to be sent or acknowledged after which {@code send} blocks
 */
public record ProducerConfig(int batchSize, Duration linger, int maxInFlight, Acks acks, long bufferMemory) {
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
        java.util.Objects.requireNonNull(acks, "acks");
    }

    /** 64 KiB batches, 5 ms linger, 5 requests in flight, acks leader, 32 MiB buffer. */
    public static ProducerConfig defaults() {
        return new ProducerConfig(64 * 1024, Duration.ofMillis(5), 5, Acks.LEADER, 32L * 1024 * 1024);
    }

    public ProducerConfig withBatchSize(int bytes) {
        return new ProducerConfig(bytes, linger, maxInFlight, acks, Math.max(bufferMemory, bytes));
    }

    public ProducerConfig withLinger(Duration d) {
        return new ProducerConfig(batchSize, d, maxInFlight, acks, bufferMemory);
    }

    public ProducerConfig withMaxInFlight(int n) {
        return new ProducerConfig(batchSize, linger, n, acks, bufferMemory);
    }

    public ProducerConfig withAcks(Acks a) {
        return new ProducerConfig(batchSize, linger, maxInFlight, a, bufferMemory);
    }

    public ProducerConfig withBufferMemory(long bytes) {
        return new ProducerConfig(batchSize, linger, maxInFlight, acks, bytes);
    }
}
