package flymq.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A consumer of one or more topics over the BATCH_FETCH extension (records with timestamps and headers).
 *
 * <p>Group membership: {@link #subscribe} sends SUBSCRIBE for every partition, which registers the client's
 * connection as a member of the group and returns the start position (the group's committed offset, or
 * earliest/latest). FlyMQ 1.26 has no server-side assignment, so a subscribed consumer reads all partitions;
 * {@link #assign} picks partitions explicitly. If the client reconnects, the consumer subscribes again on the new
 * connection before its next fetch (membership is per connection) and keeps its own positions.
 *
 * <p>Failover: a lost connection, or a partition whose leader is being elected ({@code not leader}), does not fail
 * {@link #poll}: the partitions that answered return their records, the others keep their positions, and the poll
 * backs off ({@value #RETRY_BACKOFF_MS} ms) and tries again, on a new connection to the next bootstrap server when the
 * old one broke, until its timeout. Only when such failures last longer than {@link ConsumerConfig#retryTimeout()}
 * does poll throw the last one. An auto-commit that fails that way is made again at the next poll.
 *
 * <p>Commits store the next offset to read. With auto-commit on, positions are committed from {@link #poll} every
 * interval and on {@link #close}. Not thread-safe: one thread polls (like Kafka's consumer).
 */
public final class FlyMqConsumer implements AutoCloseable {
    private record TopicPartition(String topic, int partition) {
    }

    private final FlyMqClient client;
    private final ConsumerConfig config;
    private final boolean ownsClient;
    private final Map<TopicPartition, Long> positions = new LinkedHashMap<>();
    /** Written by the connection's reader as commits are answered, read by the polling thread. */
    private final Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();
    /**
     * Partitions not fetched after a {@link #nack}, until this Unix ms (the broker's {@code dlq.retry_delay}). Only
     * saves requests: the broker itself holds the group off the partition until then, for every member.
     */
    private final Map<TopicPartition, Long> pausedUntil = new LinkedHashMap<>();
    /** The wait between fetches while the cluster answers with transient errors (an election, a lost connection). */
    private static final long RETRY_BACKOFF_MS = 100;

    private long connectionGeneration;
    /** {@link System#nanoTime} of the first of the transient failures in a row (0: the last fetch worked). */
    private long failingSince;
    private long lastCommitNanos = System.nanoTime();
    private boolean closed;

    /** A consumer on an existing client (group membership is bound to that client's connection). */
    public FlyMqConsumer(FlyMqClient client, ConsumerConfig config) {
        this(client, config, false);
    }

    private FlyMqConsumer(FlyMqClient client, ConsumerConfig config, boolean ownsClient) {
        this.client = client;
        this.config = config;
        this.ownsClient = ownsClient;
        this.connectionGeneration = client.connectionGeneration();
    }

    /** A consumer with its own connection, closed with it. */
    public static FlyMqConsumer connect(String bootstrap, ConsumerConfig config) {
        return new FlyMqConsumer(FlyMqClient.connect(bootstrap), config, true);
    }

    /** Joins the group on every partition of {@code topic} and takes their start positions. */
    public void subscribe(String topic) {
        int count = client.clusterMetadata(topic).topic(topic)
                .orElseThrow(() -> new FlyMqServerException("CLUSTER_METADATA", "topic not found: " + topic))
                .partitions().size();
        for (int p = 0; p < count; p++) {
            assignOne(topic, p);
        }
    }

    /** Reads exactly these partitions of {@code topic} (SUBSCRIBE per partition, so membership still counts). */
    public void assign(String topic, int... partitions) {
        for (int p : partitions) {
            assignOne(topic, p);
        }
    }

    private void assignOne(String topic, int partition) {
        long start = client.subscribe(topic, config.group(), partition, config.startFrom());
        positions.put(new TopicPartition(topic, partition), start);
    }

    /**
     * Returns the records available at the current positions (possibly from several partitions), waiting up to
     * {@code timeout} for some to arrive; an empty list when none did.
     */
    public List<Message> poll(Duration timeout) {
        ensureOpen();
        if (positions.isEmpty()) {
            throw new IllegalStateException("poll before subscribe/assign");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMillis = 1;
        while (true) {
            List<Message> out;
            try {
                maybeAutoCommit();
                resubscribeAfterReconnect();
                out = fetchOnce();
            } catch (FlyMqException | java.util.concurrent.CompletionException e) {
                if (!RetryPolicy.retriable(e)) {
                    throw e;
                }
                out = List.of();
                long now = System.nanoTime();
                if (failingSince == 0) {
                    failingSince = now;
                } else if (now - failingSince - config.retryTimeout().toNanos() > 0) {
                    failingSince = 0;
                    throw e;
                }
                backoffMillis = Math.max(backoffMillis, RETRY_BACKOFF_MS);
            }
            if (!out.isEmpty() || System.nanoTime() - deadline >= 0) {
                return out;
            }
            // the protocol has no long poll: back off a little while the partitions are empty
            long left = (deadline - System.nanoTime()) / 1_000_000;
            try {
                Thread.sleep(Math.max(0, Math.min(backoffMillis, left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return out;
            }
            backoffMillis = backoffMillis >= RETRY_BACKOFF_MS ? backoffMillis : Math.min(backoffMillis * 2, 50);
        }
    }

    private List<Message> fetchOnce() {
        Map<String, List<FetchPosition>> byTopic = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        pausedUntil.values().removeIf(until -> until <= now);
        positions.forEach((tp, off) -> {
            if (!pausedUntil.containsKey(tp)) {
                byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(new FetchPosition(tp.partition(), off));
            }
        });
        List<Message> out = new ArrayList<>();
        FlyMqServerException transientError = null;
        for (Map.Entry<String, List<FetchPosition>> e : byTopic.entrySet()) {
            List<PartitionFetch> answers = client.batchFetch(e.getKey(), e.getValue(), config.maxBytesPerPartition(),
                    config.isolation());
            for (int i = 0; i < answers.size(); i++) {
                PartitionFetch f = answers.get(i);
                TopicPartition tp = new TopicPartition(e.getKey(), f.partition());
                if (!f.ok()) {
                    FlyMqServerException error = FlyMqServerException.of("BATCH_FETCH", f.error());
                    if (!RetryPolicy.retriable(error)) {
                        throw error;
                    }
                    // a leader election: this partition keeps its position and is fetched again next time
                    transientError = transientError == null ? error : transientError;
                    continue;
                }
                out.addAll(f.records());
                positions.put(tp, f.nextOffset(positions.get(tp)));
            }
        }
        if (out.isEmpty() && transientError != null) {
            throw transientError;
        }
        failingSince = 0;
        return out;
    }

    private void resubscribeAfterReconnect() {
        long generation = client.connectionGeneration();
        if (generation != connectionGeneration && !config.group().isEmpty()) {
            for (TopicPartition tp : positions.keySet()) {
                client.subscribe(tp.topic(), config.group(), tp.partition(), config.startFrom());
            }
        }
        connectionGeneration = client.connectionGeneration();
    }

    private void maybeAutoCommit() {
        if (config.autoCommit() && System.nanoTime() - lastCommitNanos >= config.autoCommitInterval().toNanos()) {
            commitSync();
        }
    }

    /** Commits the position of every partition that moved since the last commit; waits for the answers. */
    public void commitSync() {
        commitAsync().join();
    }

    /** Commits like {@link #commitSync} but pipelined; the future completes when all commits are answered. */
    public CompletableFuture<Void> commitAsync() {
        ensureOpen();
        if (config.group().isEmpty()) {
            throw new IllegalStateException("commit needs a group id");
        }
        lastCommitNanos = System.nanoTime();
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : positions.entrySet()) {
            if (!e.getValue().equals(committed.get(e.getKey()))) {
                TopicPartition tp = e.getKey();
                long offset = e.getValue();
                sent.add(client.commitAsync(tp.topic(), config.group(), tp.partition(), offset)
                        .thenRun(() -> committed.put(tp, offset)));
            }
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }

    /**
     * Reports that this consumer's group failed to process {@code record} (DLQ_NACK, docs/dlq.md). While the record has
     * redeliveries left ({@code dlq.max_retries}), the consumer goes back to it, and the broker gives the group no
     * records of that partition until its retry time (whichever member or connection asks, also after a restart), so
     * the next {@link #poll} that returns records from that partition starts with it again (records after it in the
     * same poll come again too, in order); this consumer does not fetch that partition meanwhile. Once it is
     * dead-lettered, the position stays past it and the next poll goes on with the records after it.
     */
    public NackResult nack(Message record, String error) {
        ensureOpen();
        if (config.group().isEmpty()) {
            throw new IllegalStateException("nack needs a group id");
        }
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        position(tp.topic(), tp.partition());
        NackResult r = client.nack(config.group(), record.topic(), record.partition(), record.offset(), error);
        if (r.deadLettered()) {
            if (positions.get(tp) <= record.offset()) {
                positions.put(tp, record.offset() + 1);
            }
        } else {
            positions.put(tp, record.offset());
            pausedUntil.put(tp, r.retryAtMs());
        }
        return r;
    }

    /** Next offset {@link #poll} reads from this partition. */
    public long position(String topic, int partition) {
        Long p = positions.get(new TopicPartition(topic, partition));
        if (p == null) {
            throw new IllegalStateException(topic + "-" + partition + " is not assigned to this consumer");
        }
        return p;
    }

    /** Moves the position of one assigned partition to {@code offset}. */
    public void seek(String topic, int partition, long offset) {
        position(topic, partition);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
        positions.put(new TopicPartition(topic, partition), offset);
    }

    /** Moves one partition to its first record with a timestamp at or after {@code timestampMs}. */
    public void seekToTimestamp(String topic, int partition, long timestampMs) {
        position(topic, partition);
        positions.put(new TopicPartition(topic, partition), client.seekToTimestamp(topic, partition, timestampMs));
    }

    /** Moves every assigned partition to its first record at or after {@code timestampMs}. */
    public void seekToTimestamp(long timestampMs) {
        for (TopicPartition tp : List.copyOf(positions.keySet())) {
            seekToTimestamp(tp.topic(), tp.partition(), timestampMs);
        }
    }

    /** Moves every assigned partition to its first retained record. */
    public void seekToBeginning() {
        for (TopicPartition tp : List.copyOf(positions.keySet())) {
            positions.put(tp, client.subscribe(tp.topic(), config.group(), tp.partition(), SubscribeMode.EARLIEST));
        }
    }

    /** Moves every assigned partition past its last record (only new records will be read). */
    public void seekToEnd() {
        for (TopicPartition tp : List.copyOf(positions.keySet())) {
            positions.put(tp, client.subscribe(tp.topic(), config.group(), tp.partition(), SubscribeMode.LATEST));
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
    }

    /** Commits (auto-commit) and releases the connection if the consumer owns it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (config.autoCommit() && !positions.isEmpty()) {
                commitSync();
            }
        } finally {
            closed = true;
            if (ownsClient) {
                client.close();
            }
        }
    }
}
