package flymq.client;

import flymq.protocol.Acks;
import flymq.protocol.KeyPartitioner;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

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
 * <p>Records of one partition are acknowledged in send order. There are no automatic retries: a failed batch fails
 * its records' futures, and retrying may duplicate records the server had appended. Thread-safe.
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
    private final ArrayDeque<Batch> ready = new ArrayDeque<>();
    private final Set<Batch> unfinished = new HashSet<>();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
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

    private int partitionCount(String topic) {
        Integer known = partitionCounts.get(topic);
        if (known != null) {
            return known;
        }
        int count;
        try {
            count = client.clusterMetadata(topic).topic(topic).map(t -> t.partitions().size()).orElse(0);
        } catch (FlyMqServerException e) {
            // not created yet: the server creates it on the first batch
            return 0;
        }
        if (count > 0) {
            partitionCounts.put(topic, count);
        }
        return count;
    }

    /** Moves an open batch to the ready queue; the caller holds the lock. */
    private void seal(Batch batch) {
        open.remove(batch.key);
        ready.add(batch);
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
            synchronized (lock) {
                while (true) {
                    long now = System.nanoTime();
                    long lingerNanos = config.linger().toNanos();
                    long nextDeadline = Long.MAX_VALUE;
                    Iterator<Batch> it = open.values().iterator();
                    while (it.hasNext()) {
                        Batch b = it.next();
                        long deadline = b.createdNanos + lingerNanos;
                        if (flushRequested || closing || deadline - now <= 0) {
                            it.remove();
                            ready.add(b);
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
                    if (!ready.isEmpty()) {
                        break;
                    }
                    if (closing && open.isEmpty()) {
                        return;
                    }
                    try {
                        if (nextDeadline == Long.MAX_VALUE) {
                            lock.wait();
                        } else {
                            long waitNanos = nextDeadline - now;
                            lock.wait(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                // one request per topic: the first ready batch's topic, its ready batches in order up to
                // MAX_REQUEST_BYTES (always at least one); stopping at the first that does not fit keeps each
                // partition's batches in send order
                topic = ready.peek().key.topic();
                long requestBytes = 0;
                Iterator<Batch> it = ready.iterator();
                while (it.hasNext()) {
                    Batch b = it.next();
                    if (b.key.topic().equals(topic)) {
                        if (!batches.isEmpty() && requestBytes + b.bytes > MAX_REQUEST_BYTES) {
                            break;
                        }
                        batches.add(b);
                        requestBytes += b.bytes;
                        it.remove();
                    }
                }
            }
            try {
                inFlight.acquire();
            } catch (InterruptedException e) {
                fail(batches, new FlyMqException("producer interrupted before sending"));
                return;
            }
            ship(topic, batches);
        }
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
        CompletableFuture<List<PartitionAppend>> answer = client.batchProduceAsync(topic, config.acks(), groups);
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
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                fail(batches, cause);
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
                    failBatch(b, FlyMqServerException.of("BATCH_PRODUCE", a.error()));
                    continue;
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

    private void fail(List<Batch> batches, Throwable cause) {
        for (Batch b : batches) {
            failBatch(b, cause);
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
