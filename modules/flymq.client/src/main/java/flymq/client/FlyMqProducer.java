package flymq.client;

import flymq.protocol.Acks;
import flymq.protocol.KeyPartitioner;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.BatchProduceRequest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A batching producer over the BATCH_PRODUCE extension. {@link #send} only queues the record and returns a future
 * that completes with its partition and offset (or the server's error); one sender thread groups queued records per
 * partition into batches and ships ready batches of one topic and one partition leader in one BATCH_PRODUCE (of at
 * most {@link #MAX_REQUEST_BYTES} record bytes), with up to {@link ProducerConfig#maxInFlight()} requests pipelined
 * on each connection. {@link #send(ProducerRecord, Callback)} is the same with a {@link Callback} instead of a
 * future, for senders that keep many records waiting for their acknowledgement (up to the buffer memory): a record
 * then keeps only its callback alive, not a future and its dependent actions, which is less for the garbage
 * collector to copy while they wait. Either way, a partition's records complete in send order.
 *
 * <p>Partition choice for records without one: keyed records go to FNV-1a-32(key) mod partitions, as the server's
 * 1.26 PRODUCE does; keyless records stick to one partition per batch and rotate when the batch is sealed. Partition
 * counts come from CLUSTER_METADATA; a topic that does not exist yet is sent with partition -1 and created by the
 * server.
 *
 * <p>Leaders: in a cluster every node routes a BATCH_PRODUCE to the partitions' leaders, but a request sent to a
 * node that does not lead its partitions costs that node a forward and the records an extra hop. So, as Kafka's
 * producer does, each partition's batches go straight to its leader. The producer learns the leaders' client
 * addresses from CLUSTER_METADATA, asked through the client it was given (the bootstrap connection) before the first
 * request of a topic, after a {@code not leader} answer or a lost connection for it, when the answer is
 * {@link #METADATA_MAX_AGE_NANOS} old, and every {@link #UNSETTLED_METADATA_MAX_AGE_NANOS} while it names no leader
 * for a partition (an election) or a partition's leader cannot be reached. It opens one connection per leader
 * address, a client with the given one's settings (TLS, credentials, timeouts: {@link FlyMqClient#toLeader}), on a
 * thread of its own so that the other leaders' requests never wait for a connect. A leader's first requests wait for
 * its first connect; once a connect or a connection to it failed, its partitions go through the given client, whose
 * node forwards them, until a connection opened again in the background is up (the next try after
 * {@link ProducerConfig#retryBackoff()}, doubling after each failure up to {@link #MAX_REOPEN_BACKOFF_NANOS}; an
 * answer on the connection starts over). The given client also carries the partitions whose leader is not known:
 * partition -1, a topic that does not exist yet, no leader during an election, metadata that could not be read or
 * that names no usable {@code host:port}, and every partition of a single broker (cluster id {@code standalone}), so
 * a single broker sees exactly one connection; and those whose leader is at the address it is connected to. A
 * leader that moves while the old one stays up (a reassignment, {@code elect-leaders}) keeps getting the requests,
 * which it forwards, until the metadata is asked again.
 *
 * <p>Retries ({@link RetryPolicy}): a batch that fails for a transient reason (not leader, a lost connection, a
 * timed-out answer, a busy cluster) goes back to the ready queue and is sent again after its backoff, until it
 * succeeds, its retries are used up or its delivery timeout runs out; only then does it fail its records' futures.
 * While a batch waits for its retry, later batches of its partition wait behind it, so a partition's records keep
 * their order unless several requests were in flight when it failed (as in Kafka with {@code max.in.flight > 1}).
 * A partition's requests are in flight on one connection at a time: when its leader changes, its next request waits
 * until those on the old connection are answered. A {@code not leader} answer or a lost connection makes the
 * producer ask the topic's metadata again before the retry, which goes to the leader the metadata names then; an
 * answer that names a leader ({@code not leader: leader_id=.. leader_addr=host:port}) sends that partition there
 * meanwhile, and keeps it there when the metadata names a leader without a usable address (brokers that do not
 * route). A lost leader connection is closed and dropped (the retry goes through the given client until it is open
 * again); a lost bootstrap connection is replaced by the client on the next request (the next bootstrap server).
 *
 * <p>Idempotence ({@link ProducerConfig#idempotence()} with acks all): the producer has a random 63-bit id and
 * numbers each partition's records (the sequence of a batch is that of its first record); a batch keeps its
 * sequence across retries, whichever connection carries them, and the broker appends a batch whose (producer id,
 * first sequence, record count) it appended already only once, answering the retry with the first offset. Without it
 * (or with acks leader/none) a retry after a lost answer may append the batch twice: at least once.
 *
 * <p>{@link #close} ends what was sent first: every record the producer took is acknowledged or failed by the time
 * it returns (with {@link #close(Duration)}, failed when the wait is up, unless an answer that came just then is
 * still being handed out), and a send after it began is refused. It closes the leader connections it opened, and
 * the given client only when the producer made it ({@link #connect}). Thread-safe.
 */
public final class FlyMqProducer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FlyMqProducer.class.getName());

    private record PartitionKey(String topic, int partition) {
    }

    private static final class Batch {
        final PartitionKey key;
        final long createdNanos = System.nanoTime();
        /**
         * The records, and at the same index what completes each: its {@link Callback} or its future, null once
         * completed. Arrays rather than a list of pairs: the object per record is what a full buffer of records
         * waiting for their acknowledgement costs the garbage collector.
         */
        ProducerRecord[] records;
        Object[] completions;
        int count;
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
        /** 1 once a thread took the completion of all the batch's records ({@link #claim}). */
        volatile int claimed;

        Batch(PartitionKey key, int capacity) {
            this.key = key;
            this.records = new ProducerRecord[capacity];
            this.completions = new Object[capacity];
        }

        void add(ProducerRecord record, Object completion) {
            if (count == records.length) {
                records = Arrays.copyOf(records, count * 2);
                completions = Arrays.copyOf(completions, count * 2);
            }
            records[count] = record;
            completions[count] = completion;
            count++;
        }

        /** The records, without a copy: no record is added once the batch is sealed. */
        List<ProducerRecord> sealedRecords() {
            return new SealedRecords(records, count);
        }
    }

    /**
     * A connection requests go on: the given client ({@code address} null) or one the producer opened to a leader.
     * Fields other than {@code address} are guarded by the producer's lock.
     */
    private static final class Link {
        final String address;
        /** Null while the leader's connection is not open (not yet, being opened, or dropped after a failure). */
        FlyMqClient client;
        boolean opening;
        /** Requests sent on it and not answered yet. */
        int inFlight;
        /** Opens and connections that failed since the last answer on it. */
        int failures;
        /** {@link System#nanoTime} before which it is not opened again (when {@code failures > 0}). */
        long reopenAtNanos;
        /** The wait before it is opened again after its last failure. */
        long backoffNanos;

        Link(String address, FlyMqClient client) {
            this.address = address;
            this.client = client;
        }
    }

    /** A partition's batches in flight, all on one link. Guarded by the producer's lock. */
    private static final class Flight {
        final Link link;
        int batches;

        Flight(Link link) {
            this.link = link;
        }
    }

    /**
     * What the producer knows of a topic from CLUSTER_METADATA: its partition count (0: unknown), each partition's
     * leader address (null: unknown, or the given client's node), and whether a partition had no leader (an
     * election). Never changed once made.
     */
    private record KnownTopic(int partitions, String[] leaders, boolean leaderless, long fetchedNanos) {
        String leader(int partition) {
            return partition >= 0 && partition < leaders.length ? leaders[partition] : null;
        }

        KnownTopic withLeader(int partition, String address) {
            String[] changed = java.util.Arrays.copyOf(leaders, Math.max(leaders.length, partition + 1));
            changed[partition] = address;
            return new KnownTopic(partitions, changed, leaderless, fetchedNanos);
        }

        KnownTopic askedAt(long nanos) {
            return new KnownTopic(partitions, leaders, leaderless, nanos);
        }
    }

    /** What a pass over the ready queue found. */
    private record Take(Link link, String refresh, long nextRetry) {
    }

    /**
     * Record bytes per BATCH_PRODUCE, at most (a single larger batch still goes alone). When the server falls
     * behind, the ready batches pile up to the buffer memory (32 MiB by default); shipped as one request they would
     * make the broker read, decode and drop a multi-MiB frame each time. 512 KiB per request keeps the broker's
     * request buffer within the size it reuses across requests, and five requests in flight still keep it busy.
     */
    static final int MAX_REQUEST_BYTES = 512 * 1024;

    /** The cluster id a single broker reports in CLUSTER_METADATA: it leads every partition. */
    static final String STANDALONE = "standalone";

    /**
     * The longest wait before a leader connection that failed is opened again; until then its partitions go through
     * the given client. Long enough that an address the client cannot use (a node's address on a network the client
     * is not on) costs one try in a while, short enough that a restarted leader gets its requests back soon.
     */
    static final long MAX_REOPEN_BACKOFF_NANOS = 30L * 1_000_000_000;

    /**
     * How long a topic's metadata is trusted while it names no leader for a partition (an election) or while a
     * partition's leader connection fails: a partition whose leader stopped goes to the next one within this of the
     * election.
     */
    static final long UNSETTLED_METADATA_MAX_AGE_NANOS = ProducerConfig.MAX_RETRY_BACKOFF.toNanos();

    private static final String[] NO_LEADERS = new String[0];

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
    /** The given client as a link. */
    private final Link own;
    /** Connections to leaders by address, opened or being opened. */
    private final Map<String, Link> leaders = new HashMap<>();
    private final Map<PartitionKey, Flight> flights = new HashMap<>();
    private long sealed;
    private final Set<Batch> unfinished = new HashSet<>();
    private final Map<String, KnownTopic> topics = new ConcurrentHashMap<>();
    /** Topics whose metadata the sender asks again before their next request. */
    private final Set<String> staleTopics = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> stickyPartition = new ConcurrentHashMap<>();
    /**
     * The open batch the last record went to (null once it is sealed): the next record of its partition goes there
     * without a key to look it up with. Guarded by the lock.
     */
    private Batch lastBatch;
    /** The sender's request buffer, reused: a BATCH_PRODUCE is written out before the next is put together. */
    private final PayloadWriter requestBuffer = new PayloadWriter(64 * 1024);
    private final Thread sender;
    /** A wait {@link #close(Duration)} takes for no limit (and what a longer one, beyond a long's millis, means). */
    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);
    /** Set on a thread while it completes a batch's records, whose callbacks and dependent actions run inside. */
    private final ThreadLocal<Boolean> completing = new ThreadLocal<>();
    private long bufferedBytes;
    private boolean flushRequested;
    private volatile boolean closing;
    /** Set once the sender has stopped: no leader connection is kept after it. Guarded by the lock. */
    private boolean closed;

    /** A producer on an existing client connection (the client stays open when the producer closes). */
    public FlyMqProducer(FlyMqClient client, ProducerConfig config) {
        this(client, config, false);
    }

    private FlyMqProducer(FlyMqClient client, ProducerConfig config, boolean ownsClient) {
        this.client = client;
        this.config = config;
        this.ownsClient = ownsClient;
        this.own = new Link(null, client);
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
        enqueue(record, future);
        return future;
    }

    /**
     * Queues a record as {@link #send(ProducerRecord)} does, and calls {@code callback} once it is acknowledged or
     * failed, with what its future would have completed with. The callback runs on one of the producer's I/O
     * threads and must be quick (see {@link Callback}); the callbacks of a partition's records run in send order.
     */
    public void send(ProducerRecord record, Callback callback) {
        enqueue(record, Objects.requireNonNull(callback, "callback"));
    }

    /** Queues a record with what completes it: a {@link Callback} or a future. */
    private void enqueue(ProducerRecord record, Object completion) {
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
            if (closing) {
                throw new IllegalStateException("producer is closed");
            }
            Batch batch = lastBatch;
            if (batch == null || batch.key.partition() != partition
                    || !batch.key.topic().equals(record.topic())) {
                PartitionKey key = new PartitionKey(record.topic(), partition);
                batch = open.get(key);
                if (batch == null) {
                    // sized for a batch of records like this one, so that a full batch rarely grows its arrays
                    batch = new Batch(key, Math.clamp(config.batchSize() / Math.max(size, 1) + 1, 4, 1024));
                    open.put(key, batch);
                    unfinished.add(batch);
                    lock.notifyAll();
                }
                lastBatch = batch;
            }
            batch.add(record, completion);
            batch.bytes += size;
            bufferedBytes += size;
            if (batch.bytes >= config.batchSize()) {
                seal(batch);
                lock.notifyAll();
            }
        }
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
        Integer sticky = stickyPartition.get(r.topic());
        if (sticky == null) {
            sticky = stickyPartition.computeIfAbsent(r.topic(), t -> 0); // a lambda and a lock only the first time
        }
        return sticky % count;
    }

    /**
     * How long a topic's metadata is trusted before it is asked again (Kafka's {@code metadata.max.age.ms}
     * default): a topic grown meanwhile ({@code flymq topic alter --partitions}) gets records in its new partitions,
     * and a leader that moved while the old one stayed up gets its requests directly, at the latest this long after.
     */
    static final long METADATA_MAX_AGE_NANOS = 5L * 60 * 1_000_000_000;

    private int partitionCount(String topic) {
        KnownTopic known = topics.get(topic);
        if (known != null && known.partitions() > 0
                && System.nanoTime() - known.fetchedNanos() < METADATA_MAX_AGE_NANOS) {
            return known.partitions();
        }
        int before = known == null ? 0 : known.partitions();
        try {
            return learn(topic).partitions();
        } catch (FlyMqServerException e) {
            // not created yet: the server creates it on the first batch
            return before;
        } catch (ConnectionException e) {
            if (before == 0) {
                throw e;
            }
            return before; // a refresh that fails keeps the count known: the send goes on, retries handle the rest
        }
    }

    /**
     * Asks CLUSTER_METADATA for the topic through the given client and keeps what it says: the partition count
     * (an answer without partitions keeps the count known) and each partition's leader address where it names a
     * usable one. A partition whose leader it names without a usable address keeps the address it had (from a
     * not-leader answer); one without a leader (an election) and every partition of a single broker get none.
     */
    private KnownTopic learn(String topic) {
        ClusterMetadata m = client.clusterMetadata(topic);
        List<ClusterMetadata.Partition> answer = m.topic(topic).map(ClusterMetadata.Topic::partitions)
                .orElse(List.of());
        long now = System.nanoTime();
        return topics.compute(topic, (t, old) -> {
            if (answer.isEmpty()) {
                return old == null ? new KnownTopic(0, NO_LEADERS, false, now) : old.askedAt(now);
            }
            boolean standalone = STANDALONE.equals(m.clusterId());
            String[] addresses = new String[answer.size()];
            boolean leaderless = false;
            for (ClusterMetadata.Partition p : answer) {
                int i = p.partition();
                if (i < 0 || i >= addresses.length || standalone) {
                    continue;
                }
                leaderless |= p.leaderId().isEmpty();
                String address = usableAddress(p.leaderAddress());
                if (address == null && !p.leaderId().isEmpty() && old != null) {
                    address = old.leader(i);
                }
                addresses[i] = address;
            }
            return new KnownTopic(answer.size(), addresses, leaderless, now);
        });
    }

    /** {@code address} if it is one {@code host:port} a client can connect to, else null (upstream's ":9092"). */
    private static String usableAddress(String address) {
        if (address == null || address.isEmpty()) {
            return null;
        }
        try {
            return BootstrapServers.parse(address).size() == 1 ? address : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
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
        if (lastBatch == batch) {
            lastBatch = null;
        }
        batch.sealOrder = sealed++;
        ready.put(batch.sealOrder, batch);
        rotateSticky(batch.key);
    }

    /** A keyless partition's batch was sealed: the topic's next keyless records go to the next partition. */
    private void rotateSticky(PartitionKey key) {
        if (key.partition() >= 0) {
            KnownTopic known = topics.get(key.topic());
            int count = known == null ? 0 : known.partitions();
            if (count > 1) {
                stickyPartition.computeIfPresent(key.topic(), (t, p) -> p == key.partition() ? (p + 1) % count : p);
            }
        }
    }

    private void sendLoop() {
        while (true) {
            String topic;
            String refresh;
            Link link;
            FlyMqClient via;
            List<Batch> batches = new ArrayList<>();
            synchronized (lock) {
                while (true) {
                    if (closed) {
                        return; // close gave up waiting: it fails what is left, and nothing is sent after it
                    }
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
                            if (lastBatch == b) {
                                lastBatch = null;
                            }
                            b.sealOrder = sealed++;
                            ready.put(b.sealOrder, b);
                            rotateSticky(b.key);
                        } else {
                            nextDeadline = Math.min(nextDeadline, deadline);
                        }
                    }
                    flushRequested = false;
                    Take take = takeDue(now, batches);
                    refresh = take.refresh();
                    if (refresh != null || !batches.isEmpty()) {
                        link = take.link();
                        break;
                    }
                    // not before the answers of what is in flight: a request that fails then goes back to the ready
                    // queue, and only this thread sends it again
                    if (closing && unfinished.isEmpty()) {
                        closed = true;
                        return;
                    }
                    long nextRetry = take.nextRetry();
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
                        closed = true;
                        return;
                    }
                }
                if (refresh != null) {
                    topic = null;
                    via = null;
                } else {
                    // the request's slot and its partitions' flights are taken with the batches, under the lock:
                    // a batch that fails is back in the ready queue before they are given back, so its partition's
                    // later batches cannot overtake it
                    topic = batches.getFirst().key.topic();
                    via = link.client;
                    link.inFlight++;
                    Link taken = link;
                    for (Batch b : batches) {
                        flights.computeIfAbsent(b.key, k -> new Flight(taken)).batches++;
                    }
                }
            }
            if (refresh != null) {
                refreshTopic(refresh);
            } else {
                ship(link, via, topic, batches);
            }
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
     * Takes the next request's batches out of the ready queue into {@code into}: the first due batch whose
     * connection can take a request sets the request's topic and connection, and its topic's due batches for that
     * connection follow in order up to {@link #MAX_REQUEST_BYTES} (always at least one). Stopping at the first that
     * does not fit keeps each partition's batches in send order, and so does holding back every later batch of a
     * partition whose batch waits (for its retry, a free request slot, its leader's connection being opened, or its
     * batches in flight on another connection). A topic whose metadata is due to be asked again stops the pass
     * first. The caller holds the lock.
     */
    private Take takeDue(long now, List<Batch> into) {
        long nextRetry = Long.MAX_VALUE;
        Set<PartitionKey> held = null;
        String topic = null;
        Link link = null;
        long requestBytes = 0;
        Iterator<Batch> it = ready.values().iterator();
        while (it.hasNext()) {
            Batch b = it.next();
            if (held != null && held.contains(b.key)) {
                continue;
            }
            if (b.retryAtNanos != 0 && b.retryAtNanos - now > 0) {
                held = held == null ? new HashSet<>() : held;
                held.add(b.key);
                nextRetry = nextRetry == Long.MAX_VALUE || b.retryAtNanos - nextRetry < 0 ? b.retryAtNanos : nextRetry;
                continue;
            }
            if (topic != null && !b.key.topic().equals(topic)) {
                continue;
            }
            if (topic == null && needsMetadata(b.key.topic(), now)) {
                return new Take(null, b.key.topic(), nextRetry);
            }
            Link l = linkFor(b.key, now);
            if (l == null || (link == null && (l.client == null || l.inFlight >= config.maxInFlight()))
                    || (link != null && l != link)) {
                held = held == null ? new HashSet<>() : held;
                held.add(b.key);
                continue;
            }
            if (link == null) {
                link = l;
                topic = b.key.topic();
            }
            if (!into.isEmpty() && requestBytes + b.bytes > MAX_REQUEST_BYTES) {
                break;
            }
            into.add(b);
            requestBytes += b.bytes;
            it.remove();
        }
        return new Take(link, null, nextRetry);
    }

    /** Whether the sender asks the topic's metadata before its next request. */
    private boolean needsMetadata(String topic, long now) {
        KnownTopic known = topics.get(topic);
        if (known == null || staleTopics.contains(topic)) {
            return true;
        }
        long age = now - known.fetchedNanos();
        // during an election the requests through the given client succeed (forwarded) as soon as it is over, and
        // then no failure asks the metadata again: ask it until it names the new leader
        return age >= METADATA_MAX_AGE_NANOS || (known.leaderless() && age >= UNSETTLED_METADATA_MAX_AGE_NANOS);
    }

    /** Asks the topic's metadata again on the sender thread; a failure keeps what is known until the next reason. */
    private void refreshTopic(String topic) {
        staleTopics.remove(topic);
        try {
            learn(topic);
        } catch (FlyMqException e) {
            // not created yet, a broker without CLUSTER_METADATA, or no server answered: its partitions go where
            // they went (unknown leaders through the given client), and a failure of theirs asks again
            long now = System.nanoTime();
            topics.compute(topic, (t, old) -> old == null ? new KnownTopic(0, NO_LEADERS, false, now)
                    : old.askedAt(now));
        }
    }

    /**
     * The connection for the partition's next request, or null while its requests in flight are on another one.
     * The caller holds the lock.
     */
    private Link linkFor(PartitionKey key, long now) {
        Link link = route(key, now);
        Flight flight = flights.get(key);
        return flight == null || flight.link == link ? link : null;
    }

    /**
     * The connection to the partition's leader: open, or being opened for the first time (the request waits for
     * it, so that a partition's requests go to its leader from the first); else the given client. Starts opening it
     * when it is neither open, nor being opened, nor waiting after a failure. The caller holds the lock.
     */
    private Link route(PartitionKey key, long now) {
        KnownTopic known = topics.get(key.topic());
        String address = known == null ? null : known.leader(key.partition());
        if (address == null) {
            return own;
        }
        Link link = leaders.get(address);
        if (link != null && link.client != null) {
            return link;
        }
        if (address.equals(client.openServer())) {
            return own;
        }
        if (link == null) {
            link = new Link(address, null);
            leaders.put(address, link);
        }
        if (!link.opening && !closed && (link.failures == 0 || now - link.reopenAtNanos >= 0)) {
            startOpening(link);
        }
        if (link.failures > 0
                && now - known.fetchedNanos() >= Math.min(link.backoffNanos, UNSETTLED_METADATA_MAX_AGE_NANOS)) {
            // a leader that went away is replaced by an election, after which the requests through the given
            // client succeed (forwarded) and no failure asks the metadata again: ask it while the address fails
            staleTopics.add(key.topic());
        }
        // after a failure the partition goes through the given client until the connection is open again: an
        // address this client cannot reach (a node's address on another network) costs a connect in a while, not
        // a connect timeout per request
        return link.opening && link.failures == 0 ? link : own;
    }

    /** Opens a leader's connection on a thread of its own; the caller holds the lock. */
    private void startOpening(Link link) {
        link.opening = true;
        Thread.ofPlatform().daemon().name("flymq-producer-connect").start(() -> {
            FlyMqClient opened = null;
            try {
                opened = client.toLeader(link.address);
            } catch (RuntimeException e) {
                // unreachable, refused, or not an address: its partitions stay on the given client for a while
            }
            boolean keep;
            synchronized (lock) {
                link.opening = false;
                keep = opened != null && !closed;
                if (keep) {
                    link.client = opened;
                } else if (opened == null) {
                    failed(link);
                }
                lock.notifyAll();
            }
            if (opened != null && !keep) {
                opened.close();
            }
        });
    }

    /** Counts a failure of the link and puts off its next open; the caller holds the lock. */
    private void failed(Link link) {
        link.failures++;
        long wait = config.retryBackoff().toNanos();
        for (int i = 1; i < link.failures && wait < MAX_REOPEN_BACKOFF_NANOS; i++) {
            wait *= 2;
        }
        link.backoffNanos = Math.min(wait, Math.max(MAX_REOPEN_BACKOFF_NANOS, config.retryBackoff().toNanos()));
        link.reopenAtNanos = System.nanoTime() + link.backoffNanos;
    }

    private void ship(Link link, FlyMqClient via, String topic, List<Batch> batches) {
        List<PartitionRecords> groups = new ArrayList<>(batches.size());
        for (Batch b : batches) {
            groups.add(new PartitionRecords(b.key.partition(), b.sealedRecords()));
        }
        long id = BatchProduceRequest.NO_PRODUCER;
        int[] firstSequences = null;
        if (config.sendsSequences()) {
            id = producerId;
            firstSequences = new int[batches.size()];
            for (int i = 0; i < batches.size(); i++) {
                Batch b = batches.get(i);
                if (b.firstSequence == BatchProduceRequest.NO_SEQUENCE && b.key.partition() >= 0) {
                    // a batch keeps its sequence across retries: that is what lets the broker recognise it
                    int first = sequences.getOrDefault(b.key, 0);
                    b.firstSequence = first;
                    sequences.put(b.key, (first + b.count) & Integer.MAX_VALUE);
                }
                firstSequences[i] = b.firstSequence;
            }
        }
        CompletableFuture<List<PartitionAppend>> answer = via.batchProduceAsync(topic, config.acks(), groups, id,
                firstSequences, requestBuffer);
        if (config.acks() == Acks.NONE) {
            // written (or failed to write) by now: do not wait for the answer
            if (!answer.isDone() || !answer.isCompletedExceptionally()) {
                for (Batch b : batches) {
                    completeAll(b, j -> metadata(topic, b.key.partition(), -1, b.records[j]));
                }
            }
        }
        answer.whenComplete((answers, error) -> {
            try {
                handleAnswer(link, via, topic, batches, answers, error);
            } finally {
                // only now: a failed batch is back in the ready queue before the sender can put the next request
                // together, so its partition's later batches cannot overtake it
                synchronized (lock) {
                    link.inFlight--;
                    if (error == null) {
                        link.failures = 0;
                    }
                    for (Batch b : batches) {
                        Flight f = flights.get(b.key);
                        if (f != null && --f.batches == 0) {
                            flights.remove(b.key);
                        }
                    }
                    lock.notifyAll();
                }
            }
        });
    }

    private static RecordMetadata metadata(String topic, int partition, long offset, ProducerRecord r) {
        return new RecordMetadata(topic, partition, offset, r.timestamp(), r.key().length == 0 ? -1 : r.key().length,
                r.value().length);
    }

    private void handleAnswer(Link link, FlyMqClient via, String topic, List<Batch> batches,
                              List<PartitionAppend> answers, Throwable error) {
        if (error != null) {
            Throwable cause = RetryPolicy.unwrap(error);
            if (cause instanceof ConnectionException) {
                lost(link, via);
                staleTopics.add(topic); // its leaders may have changed: ask before the retry
            }
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
            if (b.key.partition() < 0) {
                topics.remove(topic); // it exists now: learn its partitions on the next send
            }
            completeAll(b, j -> metadata(topic, a.partition(), a.baseOffset() < 0 ? -1 : a.baseOffset() + j,
                    b.records[j]));
            finished(b);
        }
    }

    /**
     * A request on {@code via} lost its connection: a leader's connection is closed and dropped (once, whichever of
     * its requests reports it first) and opened again when a partition needs it after the backoff; the given client
     * replaces its connection itself.
     */
    private void lost(Link link, FlyMqClient via) {
        if (link == own) {
            return;
        }
        boolean drop;
        synchronized (lock) {
            drop = link.client == via;
            if (drop) {
                link.client = null;
                failed(link);
            }
        }
        if (drop) {
            via.close();
        }
    }

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
        if (cause instanceof NotLeaderException nl) {
            String named = usableAddress(nl.leaderAddress().orElse(null));
            if (named != null && b.key.partition() >= 0) {
                // where the retry goes unless the metadata, asked first, names a leader with a usable address
                topics.computeIfPresent(b.key.topic(), (t, k) -> k.withLeader(b.key.partition(), named));
            }
            staleTopics.add(b.key.topic());
        }
        synchronized (lock) {
            b.failures++;
            b.retryAtNanos = at;
            ready.put(b.sealOrder, b);
            lock.notifyAll();
        }
        if (b.key.partition() < 0) {
            topics.remove(b.key.topic()); // the topic may exist now: learn its partitions on the next send
        }
        retried.incrementAndGet();
    }

    private void failBatch(Batch b, Throwable cause) {
        failAll(b, cause);
        finished(b);
    }

    private static final VarHandle CLAIMED;

    static {
        try {
            CLAIMED = MethodHandles.lookup().findVarHandle(Batch.class, "claimed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Whether the calling thread is the one to complete the batch's records, all of them, in order. Two threads can
     * want to: with acks none the sender completes a batch once its request is written while the connection's
     * reader may fail it, and {@link #close(Duration)} fails what is left when its wait is up while an answer may
     * still arrive. A record's callback is therefore called once, and a partition's callbacks never interleave from
     * two threads (a future would ignore a second completion; a callback cannot).
     */
    private static boolean claim(Batch b) {
        return CLAIMED.compareAndSet(b, 0, 1);
    }

    /** Completes the batch's records, unless another thread claimed them; {@code metadata} gives record j's. */
    private void completeAll(Batch b, IntFunction<RecordMetadata> metadata) {
        settle(b, () -> completeEach(b, metadata));
    }

    /** Fails the batch's records with {@code cause}, unless another thread claimed them. */
    private void failAll(Batch b, Throwable cause) {
        settle(b, () -> failEach(b, cause));
    }

    /** Runs {@code each} (the completion of the batch's records) if this thread claims the batch, marked as such. */
    private void settle(Batch b, Runnable each) {
        if (!claim(b)) {
            return;
        }
        Boolean outer = completing.get();
        completing.set(Boolean.TRUE);
        try {
            each.run();
        } finally {
            if (outer == null) {
                completing.remove();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void completeEach(Batch b, IntFunction<RecordMetadata> metadata) {
        for (int j = 0; j < b.count; j++) {
            Object completion = b.completions[j];
            b.completions[j] = null;
            if (completion instanceof Callback callback) {
                call(callback, metadata.apply(j), null);
            } else {
                ((CompletableFuture<RecordMetadata>) completion).complete(metadata.apply(j));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void failEach(Batch b, Throwable cause) {
        Exception asException = cause instanceof Exception e ? e : new FlyMqException(cause.toString(), cause);
        for (int j = 0; j < b.count; j++) {
            Object completion = b.completions[j];
            b.completions[j] = null;
            if (completion instanceof Callback callback) {
                call(callback, null, asException);
            } else {
                ((CompletableFuture<RecordMetadata>) completion).completeExceptionally(cause);
            }
        }
    }

    /**
     * A callback that throws must not stop the completion of the records after it, nor the I/O thread it runs on:
     * the same as an exception in a future's dependent action, which the future keeps to itself.
     */
    private static void call(Callback callback, RecordMetadata metadata, Exception exception) {
        try {
            callback.onCompletion(metadata, exception);
        } catch (VirtualMachineError e) {
            throw e; // out of memory or stack: nothing to go on with quietly
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.DEBUG, "producer callback threw", t);
        }
    }

    /** The batch is done with: its buffer memory is given back once, whichever thread comes last. */
    private void finished(Batch b) {
        synchronized (lock) {
            if (unfinished.remove(b)) {
                bufferedBytes -= b.bytes;
            }
            lock.notifyAll();
        }
        b.done.complete(null);
    }

    /**
     * Sends everything queued now and waits until it is acknowledged (or failed).
     *
     * @throws IllegalStateException when called from a callback (or a future's dependent action) of this producer,
     *         as Kafka's: it would wait for the batch whose callback it is in
     */
    public void flush() {
        if (inCallback()) {
            throw new IllegalStateException("flush() inside a producer callback would wait for the callback itself");
        }
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

    /** Whether the calling thread is this producer's sender or is completing one of its batches. */
    private boolean inCallback() {
        return Thread.currentThread() == sender || completing.get() != null;
    }

    /**
     * Sends what is queued, waits until every record sent before is acknowledged or failed (its retries included,
     * so at most about the delivery timeout), stops the sender and closes the leader connections it opened (and the
     * given client if the producer made it). As Kafka's {@code close()}; a send after it begins throws. Called from
     * one of this producer's callbacks it waits for nothing, as {@code close(Duration.ZERO)}.
     */
    @Override
    public void close() {
        close(FOREVER);
    }

    /**
     * As {@link #close()}, waiting at most {@code timeout} for the records sent before: those not acknowledged by
     * then fail with a {@link FlyMqException} saying the producer closed (their requests may still have reached
     * the broker). Zero fails them at once, as Kafka's {@code close(Duration.ZERO)} aborts them. A batch whose
     * answer came just then may instead still be being completed, by the thread that read the answer, when this
     * returns.
     */
    public void close(Duration timeout) {
        if (inCallback()) {
            // waiting would wait for the batch whose callback this is; Kafka's close does the same
            LOG.log(System.Logger.Level.WARNING, "producer closed from its own callback: records not yet "
                    + "acknowledged fail at once instead of being waited for");
            timeout = Duration.ZERO;
        }
        synchronized (lock) {
            closing = true; // the sender sends every open batch now, as a flush would
            lock.notifyAll();
        }
        try {
            long millis = timeout.isNegative() ? 0 : timeout.compareTo(FOREVER) >= 0 ? Long.MAX_VALUE
                    : timeout.toMillis();
            if (millis == 0) {
                sender.interrupt();
            }
            sender.join(millis == Long.MAX_VALUE ? 0 : Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            sender.interrupt(); // it returns from its wait at once, and sends nothing more once closed is set
        }
        List<FlyMqClient> opened = new ArrayList<>();
        List<Batch> left;
        synchronized (lock) {
            closed = true;
            left = new ArrayList<>(unfinished);
            for (Link link : leaders.values()) {
                if (link.client != null) {
                    opened.add(link.client);
                    link.client = null;
                }
            }
        }
        for (FlyMqClient c : opened) {
            c.close();
        }
        if (ownsClient) {
            client.close();
        }
        left.sort(Comparator.comparingLong(b -> b.createdNanos));
        FlyMqException closedBefore = new FlyMqException("producer closed before the record was acknowledged");
        for (Batch b : left) {
            failBatch(b, closedBefore);
        }
    }
}
