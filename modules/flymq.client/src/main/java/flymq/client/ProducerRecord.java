package flymq.client;

import flymq.protocol.message.BatchProduceRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record to produce. {@code partition} -1 lets the producer choose (keyed: FNV-1a-32(key) mod partitions as the
 * server does; keyless: one partition per batch, rotating); {@code timestamp} 0 lets the server stamp it.
 */
public record ProducerRecord(String topic, int partition, long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {
    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(value, "value");
        if (partition < -1) {
            throw new IllegalArgumentException("partition must be >= 0 or -1 (any), got " + partition);
        }
        key = key == null ? new byte[0] : key;
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public static ProducerRecord of(String topic, byte[] value) {
        return new ProducerRecord(topic, -1, 0, null, value, List.of());
    }

    public static ProducerRecord of(String topic, byte[] key, byte[] value) {
        return new ProducerRecord(topic, -1, 0, key, value, List.of());
    }

    public ProducerRecord withPartition(int p) {
        return new ProducerRecord(topic, p, timestamp, key, value, headers);
    }

    public ProducerRecord withHeaders(List<Header> h) {
        return new ProducerRecord(topic, partition, timestamp, key, value, h);
    }

    public ProducerRecord withTimestamp(long ts) {
        return new ProducerRecord(topic, partition, ts, key, value, headers);
    }

    /**
     * This record with a time to live: it expires {@code ttl} after the broker receives it (the header
     * {@code flymq.ttl-ms}, which the broker takes off and stores as the record's expiry).
     */
    public ProducerRecord withTtl(Duration ttl) {
        long ms = ttl.toMillis();
        if (ms <= 0) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, got " + ttl);
        }
        List<Header> h = new ArrayList<>(headers.size() + 1);
        for (Header old : headers) {
            if (!old.key().equals(BatchProduceRequest.TTL_HEADER)) {
                h.add(old);
            }
        }
        h.add(new Header(BatchProduceRequest.TTL_HEADER, ByteBuffer.allocate(8).putLong(ms).array()));
        return new ProducerRecord(topic, partition, timestamp, key, value, h);
    }

    /** Bytes this record takes in a BATCH_PRODUCE request, at most. */
    int encodedSize() {
        int nameChars = 0;
        int headerBytes = 0;
        for (Header h : headers) {
            nameChars += h.key().length();
            headerBytes += h.value().length;
        }
        return BatchProduceRequest.recordSize(key, value, headers.size(), nameChars, headerBytes);
    }
}
