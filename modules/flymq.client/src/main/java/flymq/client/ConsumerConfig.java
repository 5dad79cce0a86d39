package flymq.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link FlyMqConsumer}.
 *
 * @param group                group id ({@code ""}: no group, nothing is committed)
 * @param startFrom            where a partition without a position starts (COMMIT: the group's committed offset)
 * @param autoCommit           commit the positions of returned records every {@code autoCommitInterval} and on close
 * @param autoCommitInterval   see autoCommit
 * @param maxBytesPerPartition fetch size per partition per request (about; at least one record)
 * @param isolation            which records of transactions {@link FlyMqConsumer#poll} returns
 * @param retryTimeout         how long {@link FlyMqConsumer#poll} keeps retrying transient failures (a lost
 *                             connection, a leader election) in a row before it throws the last one
 */
public record ConsumerConfig(String group, SubscribeMode startFrom, boolean autoCommit, Duration autoCommitInterval,
                             int maxBytesPerPartition, IsolationLevel isolation, Duration retryTimeout) {
    /** The default {@link #retryTimeout}: Kafka's producer delivery timeout, so both sides ride out the same outage. */
    public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofSeconds(120);

    public ConsumerConfig {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(isolation, "isolation");
        Objects.requireNonNull(startFrom, "startFrom");
        if (autoCommit && group.isEmpty()) {
            throw new IllegalArgumentException("autoCommit needs a group id");
        }
        if (autoCommitInterval == null || autoCommitInterval.isNegative()) {
            throw new IllegalArgumentException("autoCommitInterval must be >= 0, got " + autoCommitInterval);
        }
        if (maxBytesPerPartition < 1) {
            throw new IllegalArgumentException("maxBytesPerPartition must be >= 1, got " + maxBytesPerPartition);
        }
        if (retryTimeout == null || retryTimeout.isNegative()) {
            throw new IllegalArgumentException("retryTimeout must be >= 0, got " + retryTimeout);
        }
    }

    /** Settings with the default {@link #retryTimeout}. */
    public ConsumerConfig(String group, SubscribeMode startFrom, boolean autoCommit, Duration autoCommitInterval,
                          int maxBytesPerPartition, IsolationLevel isolation) {
        this(group, startFrom, autoCommit, autoCommitInterval, maxBytesPerPartition, isolation,
                DEFAULT_RETRY_TIMEOUT);
    }

    /** Read-committed settings. */
    public ConsumerConfig(String group, SubscribeMode startFrom, boolean autoCommit, Duration autoCommitInterval,
                          int maxBytesPerPartition) {
        this(group, startFrom, autoCommit, autoCommitInterval, maxBytesPerPartition, IsolationLevel.READ_COMMITTED);
    }

    /**
     * Group {@code group}, starting at its committed offsets, auto-commit every 5 s, 1 MiB per partition,
     * read-committed.
     */
    public static ConsumerConfig forGroup(String group) {
        return new ConsumerConfig(group, SubscribeMode.COMMIT, !group.isEmpty(), Duration.ofSeconds(5), 1 << 20);
    }

    public ConsumerConfig withIsolation(IsolationLevel level) {
        return new ConsumerConfig(group, startFrom, autoCommit, autoCommitInterval, maxBytesPerPartition, level,
                retryTimeout);
    }

    public ConsumerConfig withStartFrom(SubscribeMode mode) {
        return new ConsumerConfig(group, mode, autoCommit, autoCommitInterval, maxBytesPerPartition, isolation,
                retryTimeout);
    }

    public ConsumerConfig withAutoCommit(boolean on) {
        return new ConsumerConfig(group, startFrom, on, autoCommitInterval, maxBytesPerPartition, isolation,
                retryTimeout);
    }

    public ConsumerConfig withAutoCommitInterval(Duration d) {
        return new ConsumerConfig(group, startFrom, autoCommit, d, maxBytesPerPartition, isolation, retryTimeout);
    }

    public ConsumerConfig withMaxBytesPerPartition(int bytes) {
        return new ConsumerConfig(group, startFrom, autoCommit, autoCommitInterval, bytes, isolation, retryTimeout);
    }

    /** How long poll keeps retrying transient failures in a row ({@link Duration#ZERO}: it throws the first). */
    public ConsumerConfig withRetryTimeout(Duration d) {
        return new ConsumerConfig(group, startFrom, autoCommit, autoCommitInterval, maxBytesPerPartition, isolation, d);
    }
}
