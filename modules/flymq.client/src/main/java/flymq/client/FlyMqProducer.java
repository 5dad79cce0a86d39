package flymq.client;

import flymq.protocol.Acks;
import flymq.protocol.KeyPartitioner;
import flymq.protocol.message.BatchProduceRequest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A batching producer over the BATCH_PRODUCE extension. {@link #send} only queues the record and returns a future
 * that completes with its partition and offset (or the server's error); one sender thread groups queued records per
 * partition into batches and ships a topic's ready batches in one BATCH_PRODUCE (of at most
 * {@link #MAX_REQUEST_BYTES} record bytes), with up to
 * {@link ProducerConfig#maxInFlight()} requests pipelined on the client's connection.
 *
 * <p>Partition choice for records without one: keyed records go to FNV-1a-32(key) mod partitions, as the server's
 * 1.26 PRODUCE does; keyless records stick to one partition per batch and rotate when the batch is sealed. Partition
 * counts come from CLUSTER_METADATA; a topic that does not exist yet is sent with partition -1 and created by the
 * server.
 *
 * <p>Retries ({@link RetryPolicy}): a batch that fails for a transient reason (not leader, a lost connection, a
 * timed-out answer, a busy cluster) goes back to the ready queue and is sent again after its backoff, until it
 * succeeds, its retries are used up or its delivery timeout runs out; only then does it fail its records' futures.
 * While a batch waits for its retry, later batches of its partition wait behind it, so a partition's records keep
 * their order unless several requests were in flight when it failed (as in Kafka with {@code max.in.flight > 1}).
 * A lost connection is replaced by the client on the next request (the next bootstrap server); when several
 * answers in a row name the same leader address ({@code not leader: leader_id=.. leader_addr=host:port}), the
 * producer moves its connection there. An empty leader (an election in progress) just backs off and retries through
 * the same server.
 *
 * <p>Idempotence ({@link ProducerConfig#idempotence()} with acks all): the producer has a random 63-bit id and
 * numbers each partition's records (the sequence of a batch is that of its first record); a batch keeps its
 * sequence across retries, and the broker appends a batch whose (producer id, first sequence, record count) it
 * appended already only once, answering the retry with the first offset. Without it (or with acks leader/none) a
 * retry after a lost answer may append the batch twice: at least once. Thread-safe.
 */
public final class FlyMqProducer implements AutoCloseable {
    private record PartitionKey(String topic, int partition) {
    }

    private record Pending(ProducerRecord record, CompletableFuture<RecordMetadata> future, int size) {
    }

    private static final class Batch {
        final PartitionKey key;
        final long createdNanos = System.nanoTime();
        final List<Pending> records = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int bytes;
        /** Order in which batches were sealed: the ready queue's order, which a retried batch keeps. */
        long sealOrder;
        /** Tries that failed so far. */
        int failures;
        /** {@link System#nanoTime} before which the batch is not sent again (0: due). */
        long retryAtNanos;
        /** The producer's sequence of the first record, fixed at the first try (-1: none). */
        int firstSequence = BatchProduceRequest.NO_SEQUENCE;

        Batch(PartitionKey key) {
            this.key = key;
        }
    }

    /**
     * Record bytes per BATCH_PRODUCE, at most (a single larger batch still goes alone). When the server falls
     * behind, the ready batches pile up to the buffer memory (32 MiB by default); shipped as one request they would
     * make the broker read, decode and drop a multi-MiB frame each time. 512 KiB per request keeps the broker's
     * request buffer within the size it reuses across requests, and five requests in flight still keep it busy.
     */
    static final int MAX_REQUEST_BYTES = 512 * 1024;

    private final FlyMqClient client;
    private final ProducerConfig config;
    private final boolean ownsClient;
    private final Object lock = new Object();
    private final Map<PartitionKey, Batch> open = new LinkedHashMap<>();
    /** Sealed batches by seal order: new ones at the end, retried ones back in their place. */
    private final TreeMap<Long, Batch> ready = new TreeMap<>();
    private final RetryPolicy retryPolicy;
    private final long producerId;
    /** Next sequence per partition; touched by the sender thread only. */
    private final Map<PartitionKey, Integer> sequences = new HashMap<>();
    private final AtomicLong retried = new AtomicLong();
    /** A leader address answers keep naming, and how many in a row did. */
    private String namedLeader;
    private int namedLeaderCount;
    /** Where the sender thread should move the connection before its next request (null: stay). */
    private volatile String moveTo;
    private long sealed;
    private final Set<Batch> unfinished = new HashSet<>();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private final Map<String, Long> partitionCountsAt = new ConcurrentHashMap<>();
    private final Map<String, Integer> stickyPartition = new ConcurrentHashMap<>();
    private final Semaphore inFlight;
    private final Thread sender;
    private long bufferedBytes;
    private boolean flushRequested;
    private volatile boolean closing;

    /** A producer on an existing client connection (the client stays open when the producer closes). */
    public FlyMqProducer(FlyMqClient client, ProducerConfig config) {
        this(client, config, false);
    }

    private FlyMqProducer(FlyMqClient client, ProducerConfig config, boolean ownsClient) {
        this.client = client;
        this.config = config;
        this.ownsClient = ownsClient;
        this.inFlight = new Semaphore(config.maxInFlight());
        this.retryPolicy = RetryPolicy.of(config);
        long id = new SecureRandom().nextLong() & Long.MAX_VALUE;
        this.producerId = id == 0 ? 1 : id;
        this.sender = Thread.ofPlatform().daemon().name("flymq-producer-sender").start(this::sendLoop);
    }

    /** A producer with a connection of its own, closed with it. */
    public static FlyMqProducer connect(String bootstrap, ProducerConfig config) {
        return new FlyMqProducer(FlyMqClient.connect(bootstrap), config, true);
    }

    /**
     * Queues a record. Blocks while the records waiting to be acknowledged exceed the buffer memory. The future
     * completes with where the record was written, or exceptionally with {@link FlyMqServerException} (the
     * server's error for its partition) or {@link ConnectionException}.
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        int size = record.encodedSize();
        int partition = choosePartition(record);
        synchronized (lock) {
            if (closing) {
                throw new IllegalStateException("producer is closed");
            }
            while (bufferedBytes > 0 && bufferedBytes + size > config.bufferMemory() && !closing) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FlyMqException("interrupted while waiting for buffer memory");
                }
            }
            PartitionKey key = new PartitionKey(record.topic(), partition);
            Batch batch = open.get(key);
            if (batch == null) {
                batch = new Batch(key);
                open.put(key, batch);
                unfinished.add(batch);
                lock.notifyAll();
            }
            batch.records.add(new Pending(record, future, size));
            batch.bytes += size;
            bufferedBytes += size;
            if (batch.bytes >= config.batchSize()) {
                seal(batch);
                lock.notifyAll();
            }
        }
        return future;
    }

    private int choosePartition(ProducerRecord r) {
        if (r.partition() >= 0) {
            return r.partition();
        }
        int count = partitionCount(r.topic());
        if (count <= 0) {
            return -1;
        }
        if (r.key().length > 0) {
            return KeyPartitioner.forKey(r.key(), count);
        }
        return stickyPartition.computeIfAbsent(r.topic(), t -> 0) % count;
    }

    /**
     * How long a topic's partition count is trusted before it is asked again (Kafka's {@code metadata.max.age.ms}
     * default): a topic grown meanwhile ({@code flymq topic alter --partitions}) gets records in its new partitions
     * at the latest this long after the growth.
     */
    static final long METADATA_MAX_AGE_NANOS = 5L * 60 * 1_000_000_000;

    private int partitionCount(String topic) {
        Integer known = partitionCounts.get(topic);
        if (known != null) {
            Long at = partitionCountsAt.get(topic);
            if (at == null || System.nanoTime() - at < METADATA_MAX_AGE_NANOS) {
                return known;
            }
        }
        int count;
        try {
            count = client.clusterMetadata(topic).topic(topic).map(t -> t.partitions().size()).orElse(0);
        } catch (FlyMqServerException e) {
            // not created yet: the server creates it on the first batch
            return known != null ? known : 0;
        } catch (ConnectionException e) {
            if (known == null) {
                throw e;
            }
            return known; // a refresh that fails keeps the count known: the send goes on, retries handle the rest
        }
        if (count > 0) {
            partitionCounts.put(topic, count);
            partitionCountsAt.put(topic, System.nanoTime());
        }
        return count > 0 || known == null ? count : known;
    }

    /** The id this producer's idempotent batches carry. */
    public long producerId() {
        return producerId;
    }

    /** How many times a batch was queued to be sent again after a failure, since the producer started. */
    public long retriedBatches() {
        return retried.get();
    }

    /** Moves an open batch to the ready queue; the caller holds the lock. */
    private void seal(Batch batch) {
        open.remove(batch.key);
        batch.sealOrder = sealed++;
        ready.put(batch.sealOrder, batch);
        if (batch.key.partition() >= 0) {
            Integer count = partitionCounts.get(batch.key.topic());
            if (count != null && count > 1) {
                stickyPartition.computeIfPresent(batch.key.topic(), (t, p) -> p == batch.key.partition()
                        ? (p + 1) % count : p);
            }
        }
    }

    private void sendLoop() {
        while (true) {
            String topic;
            List<Batch> batches = new ArrayList<>();
            // the request slot first, then the batches: a batch that fails while the sender waits for a slot is
            // back in the queue before the next request is put together, so its partition's later batches wait
            try {
                inFlight.acquire();
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                while (true) {
                    long now = System.nanoTime();
                    long lingerNanos = config.linger().toNanos();
                    long nextDeadline = Long.MAX_VALUE;
                    Set<PartitionKey> queued = queuedPartitions();
                    Iterator<Batch> it = open.values().iterator();
                    while (it.hasNext()) {
                        Batch b = it.next();
                        long deadline = b.createdNanos + lingerNanos;
                        if (queued.contains(b.key) && !flushRequested && !closing) {
                            // an earlier batch of the partition still waits to be sent (its retry, or a free request
                            // slot): this one keeps filling up meanwhile, as Kafka's accumulator does, instead of
                            // piling up as many tiny batches that the partition's leader would append one by one
                            continue;
                        }
                        if (flushRequested || closing || deadline - now <= 0) {
                            it.remove();
                            b.sealOrder = sealed++;
                            ready.put(b.sealOrder, b);
                            Integer count = partitionCounts.get(b.key.topic());
                            if (count != null && count > 1 && b.key.partition() >= 0) {
                                stickyPartition.computeIfPresent(b.key.topic(), (t, p) -> p == b.key.partition()
                                        ? (p + 1) % count : p);
                            }
                        } else {
                            nextDeadline = Math.min(nextDeadline, deadline);
                        }
                    }
                    flushRequested = false;
                    long nextRetry = takeDue(now, batches);
                    if (!batches.isEmpty()) {
                        break;
                    }
                    if (closing && open.isEmpty() && ready.isEmpty()) {
                        inFlight.release();
                        return;
                    }
                    if (nextRetry != Long.MAX_VALUE
                            && (nextDeadline == Long.MAX_VALUE || nextRetry - nextDeadline < 0)) {
                        nextDeadline = nextRetry;
                    }
                    try {
                        if (nextDeadline == Long.MAX_VALUE) {
                            lock.wait();
                        } else {
                            long waitNanos = nextDeadline - now;
                            lock.wait(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
                        }
                    } catch (InterruptedException e) {
                        inFlight.release();
                        return;
                    }
                }
                topic = batches.getFirst().key.topic();
            }
            String leader = moveTo;
            if (leader != null) {
                moveTo = null;
                client.reconnectTo(leader);
            }
            ship(topic, batches);
        }
    }

    /** The partitions with a batch in the ready queue; the caller holds the lock. */
    private Set<PartitionKey> queuedPartitions() {
        if (ready.isEmpty()) {
            return Set.of();
        }
        Set<PartitionKey> queued = new HashSet<>();
        for (Batch b : ready.values()) {
            queued.add(b.key);
        }
        return queued;
    }

    /**
     * Takes the next request's batches out of the ready queue into {@code into}: one request per topic, the first
     * due batch's topic, its due batches in order up to {@link #MAX_REQUEST_BYTES} (always at least one); stopping
     * at the first that does not fit keeps each partition's batches in send order, and so does skipping every batch
     * of a partition that has one waiting for its retry. The caller holds the lock.
     *
     * @return when the earliest batch waiting for its retry is due ({@link Long#MAX_VALUE}: none waits)
     */
    private long takeDue(long now, List<Batch> into) {
        long nextRetry = Long.MAX_VALUE;
        Set<PartitionKey> waiting = null;
        String topic = null;
        long requestBytes = 0;
        Iterator<Batch> it = ready.values().iterator();
        while (it.hasNext()) {
            Batch b = it.next();
            if (b.retryAtNanos != 0 && b.retryAtNanos - now > 0) {
                waiting = waiting == null ? new HashSet<>() : waiting;
                waiting.add(b.key);
                nextRetry = nextRetry == Long.MAX_VALUE || b.retryAtNanos - nextRetry < 0 ? b.retryAtNanos : nextRetry;
                continue;
            }
            if (waiting != null && waiting.contains(b.key)) {
                continue;
            }
            if (topic == null) {
                topic = b.key.topic();
            }
            if (b.key.topic().equals(topic)) {
                if (!into.isEmpty() && requestBytes + b.bytes > MAX_REQUEST_BYTES) {
                    break;
                }
                into.add(b);
                requestBytes += b.bytes;
                it.remove();
            }
        }
        return nextRetry;
    }

    private void ship(String topic, List<Batch> batches) {
        List<PartitionRecords> groups = new ArrayList<>(batches.size());
        for (Batch b : batches) {
            List<ProducerRecord> records = new ArrayList<>(b.records.size());
            for (Pending p : b.records) {
                records.add(p.record());
            }
            groups.add(new PartitionRecords(b.key.partition(), records));
        }
        CompletableFuture<List<PartitionAppend>> answer;
        if (config.sendsSequences()) {
            int[] firstSequences = new int[batches.size()];
            for (int i = 0; i < batches.size(); i++) {
                Batch b = batches.get(i);
                if (b.firstSequence == BatchProduceRequest.NO_SEQUENCE && b.key.partition() >= 0) {
                    // a batch keeps its sequence across retries: that is what lets the broker recognise it
                    int first = sequences.getOrDefault(b.key, 0);
                    b.firstSequence = first;
                    sequences.put(b.key, (first + b.records.size()) & Integer.MAX_VALUE);
                }
                firstSequences[i] = b.firstSequence;
            }
            answer = client.batchProduceAsync(topic, config.acks(), groups, producerId, firstSequences);
        } else {
            answer = client.batchProduceAsync(topic, config.acks(), groups);
        }
        if (config.acks() == Acks.NONE) {
            // written (or failed to write) by now: do not wait for the answer
            if (!answer.isDone() || !answer.isCompletedExceptionally()) {
                for (Batch b : batches) {
                    for (Pending p : b.records) {
                        p.future().complete(new RecordMetadata(topic, b.key.partition(), -1, p.record().timestamp(),
                                p.record().key().length == 0 ? -1 : p.record().key().length,
                                p.record().value().length));
                    }
                }
            }
        }
        answer.whenComplete((answers, error) -> {
            inFlight.release();
            if (error != null) {
                Throwable cause = RetryPolicy.unwrap(error);
                for (Batch b : batches) {
                    retryOrFail(b, cause);
                }
                return;
            }
            for (int i = 0; i < batches.size(); i++) {
                Batch b = batches.get(i);
                if (i >= answers.size()) {
                    failBatch(b, new ProtocolException("BATCH_PRODUCE answered " + answers.size() + " groups for "
                            + batches.size() + " sent"));
                    continue;
                }
                PartitionAppend a = answers.get(i);
                if (!a.ok()) {
                    retryOrFail(b, FlyMqServerException.of("BATCH_PRODUCE", a.error()));
                    continue;
                }
                if (namedLeader != null) {
                    synchronized (lock) {
                        namedLeaderCount = 0;
                    }
                }
                if (b.key.partition() < 0) {
                    partitionCounts.remove(topic);
                }
                for (int j = 0; j < b.records.size(); j++) {
                    Pending p = b.records.get(j);
                    long offset = a.baseOffset() < 0 ? -1 : a.baseOffset() + j;
                    p.future().complete(new RecordMetadata(topic, a.partition(), offset, p.record().timestamp(),
                            p.record().key().length == 0 ? -1 : p.record().key().length, p.record().value().length));
                }
                finished(b);
            }
        });
    }

    /** Repeated answers naming one leader address before the producer moves its connection there. */
    static final int LEADER_HINTS_BEFORE_MOVE = 3;

    /**
     * Puts a failed batch back in the ready queue, due after its backoff, when the retry policy allows; fails its
     * records otherwise (and always with acks none, whose futures completed when the request was written).
     */
    private void retryOrFail(Batch b, Throwable cause) {
        long now = System.nanoTime();
        long at = config.acks() == Acks.NONE ? -1 : retryPolicy.retryAt(cause, b.failures + 1, b.createdNanos, now);
        if (at < 0) {
            failBatch(b, cause);
            return;
        }
        synchronized (lock) {
            b.failures++;
            b.retryAtNanos = at;
            ready.put(b.sealOrder, b);
            if (cause instanceof NotLeaderException nl) {
                noteLeaderHint(nl.leaderAddress().orElse(null));
            }
            lock.notifyAll();
        }
        if (b.key.partition() < 0) {
            partitionCounts.remove(b.key.topic()); // the topic may exist now: learn its partitions on the next send
        }
        retried.incrementAndGet();
    }

    /** Counts answers naming {@code leaderAddr} in a row; the caller holds the lock. */
    private void noteLeaderHint(String leaderAddr) {
        if (leaderAddr == null) {
            return; // an election in progress: back off and retry through the same server
        }
        if (leaderAddr.equals(namedLeader)) {
            namedLeaderCount++;
        } else {
            namedLeader = leaderAddr;
            namedLeaderCount = 1;
        }
        if (namedLeaderCount >= LEADER_HINTS_BEFORE_MOVE) {
            namedLeaderCount = 0;
            moveTo = leaderAddr;
        }
    }

    private void failBatch(Batch b, Throwable cause) {
        for (Pending p : b.records) {
            p.future().completeExceptionally(cause);
        }
        finished(b);
    }

    private void finished(Batch b) {
        synchronized (lock) {
            bufferedBytes -= b.bytes;
            unfinished.remove(b);
            lock.notifyAll();
        }
        b.done.complete(null);
    }

    /** Sends everything queued now and waits until it is acknowledged (or failed). */
    public void flush() {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        synchronized (lock) {
            for (Batch b : unfinished) {
                waits.add(b.done);
            }
            flushRequested = true;
            lock.notifyAll();
        }
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).join();
    }

    /** Sends what is queued, waits for the answers, and stops the sender (closes the client if it owns it). */
    @Override
    public void close() {
        flush();
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        try {
            sender.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsClient) {
            client.close();
        }
    }
}
