package flymq.broker.dlq;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.DeleteTopicRequest;
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.FetchResponse;
import flymq.protocol.message.NackRequest;
import flymq.protocol.message.NackResponse;
import flymq.storage.Header;
import flymq.storage.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dead-letter queues (docs/dlq.md): the queue of topic {@code orders} is topic {@code orders.dlq}
 * ({@code dlq.topic_suffix}), one partition, holding {@link DeadLetterRecord}s. Records arrive there when a consumer
 * group reports a record failed ({@link #nack}) more often than {@code dlq.max_retries} allows, or when a record
 * breaks its topic's schema in {@code warn} mode ({@link #rejected}); {@link #replay} copies one back into its
 * origin topic exactly once, {@link #purge} deletes the queue topic.
 *
 * <p>Every state change is a record appended to the queue topic before it is answered, and every decision is taken
 * from the queue topic's log ({@link QueueView}): there is no other file, so the queue is as durable as a topic and,
 * in a cluster, moves with the queue partition's leadership (the queue opcodes are routed to that leader). Changes to
 * one queue are serialised on the node serving them.
 */
public final class DeadLetters {
    private static final System.Logger LOG = System.getLogger(DeadLetters.class.getName());
    /** FETCH_DLQ's count when the request asks for 0 or less (upstream's CLI default is 10, its REST API 100). */
    public static final int DEFAULT_FETCH = 100;
    public static final int MAX_FETCH = 10_000;

    private final BrokerConfig.DeadLetters config;
    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final InternalCalls calls;
    private final InstantSource clock;
    private final BrokerListener listener;
    private final RetryHoldLog holds;
    private final Map<String, QueueView> views = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /**
     * @param holds where the retry hold of a failure goes ({@link RetryHolds}: the group reads nothing more of the
     *              partition until {@code dlq.retry_delay} has passed, on any node)
     */
    public DeadLetters(BrokerConfig.DeadLetters config, TopicManager topics, PartitionLeadership leadership,
                       flymq.broker.server.HandlerRegistry handlers, InstantSource clock, BrokerListener listener,
                       RetryHoldLog holds) {
        this.config = config;
        this.holds = holds;
        this.leadership = leadership;
        this.topics = topics;
        this.calls = new InternalCalls(handlers);
        this.clock = clock;
        this.listener = listener;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** The queue topic of {@code topic}. */
    public String queueOf(String topic) {
        return topic + config.topicSuffix();
    }

    private void requireEnabled() {
        if (!config.enabled()) {
            throw new RequestException("dead-letter queues are disabled on this broker (dlq.enabled = false)");
        }
    }

    private Object lock(String queue) {
        return locks.computeIfAbsent(queue, q -> new Object());
    }

    /**
     * The up-to-date view of {@code queue}'s log, if the topic exists. Only the queue partition's leader answers from
     * its log (a restarted cluster node's copy may be behind until it has caught up): elsewhere this is the usual
     * {@code not leader: ...} refusal, which the routing of the queue opcodes normally avoids.
     */
    private Optional<QueueView> view(String queue) {
        Optional<Topic> t = topics.find(queue);
        if (t.isEmpty()) {
            views.remove(queue);
            return Optional.empty();
        }
        leadership.requireLocalLeader(queue, 0);
        PartitionLog log;
        try {
            log = t.get().log(0);
        } catch (RequestException e) {
            return Optional.empty();
        }
        QueueView v = views.compute(queue, (q, old) -> old != null && old.log() == log ? old : new QueueView(log));
        return Optional.of(v.refresh());
    }

    // ---- failures reported by consumers

    /**
     * A group failed a record. Until it has failed it {@code dlq.max_retries} + 1 times the answer says when to try
     * again ({@code dlq.retry_delay} from now), the group's hold of the partition until then is recorded
     * ({@link RetryHoldLog}: every node's read paths enforce it, {@link RetryGate}) and the failure is kept as a
     * {@code retry} record; the next failure dead-letters it and releases the hold. A failure reported again for a record already dead-lettered for that group answers the same
     * dead letter (a consumer that crashed before it moved on may report twice).
     */
    public NackResponse nack(NackRequest r) {
        requireEnabled();
        if (r.group().isEmpty()) {
            throw new RequestException("DLQ_NACK needs the consumer group that failed the record (topic " + r.topic()
                    + " partition " + r.partition() + " offset " + r.offset() + ")");
        }
        String queue = queueOf(r.topic());
        synchronized (lock(queue)) {
            QueueView.Failed key = new QueueView.Failed(r.group(), r.topic(), r.partition(), r.offset());
            Optional<QueueView> view = view(queue);
            long already = view.map(v -> v.deadLetterOf(key)).orElse(-1L);
            List<DeadLetterRecord> earlier = view.map(v -> v.failures(key)).orElse(List.of());
            if (already >= 0) {
                return new NackResponse(true, earlier.size() + 1, 0, Long.toString(already));
            }
            FetchResponse.Entry origin = originRecord(r.topic(), r.partition(), r.offset());
            long now = clock.millis();
            long first = earlier.isEmpty() ? now : earlier.get(0).longHeader(DeadLetterRecord.FAILURE);
            String error = r.error().isEmpty() ? "processing failed" : r.error();
            if (earlier.size() >= config.maxRetries()) {
                long at = append(queue, origin.key(), origin.value(), DeadLetterRecord.headers(
                        DeadLetterRecord.KIND, DeadLetterRecord.DEAD,
                        DeadLetterRecord.ORIGIN_TOPIC, r.topic(),
                        DeadLetterRecord.ORIGIN_PARTITION, Integer.toString(r.partition()),
                        DeadLetterRecord.ORIGIN_OFFSET, Long.toString(r.offset()),
                        DeadLetterRecord.ERROR, error,
                        DeadLetterRecord.RETRIES, Integer.toString(earlier.size()),
                        DeadLetterRecord.FIRST_FAILURE, Long.toString(first),
                        DeadLetterRecord.LAST_FAILURE, Long.toString(now),
                        DeadLetterRecord.REASON, "max_retries",
                        DeadLetterRecord.GROUP, r.group()));
                listener.deadLettered(r.topic(), "max_retries");
                release(r);
                return new NackResponse(true, earlier.size() + 1, 0, Long.toString(at));
            }
            long notBefore = now + config.retryDelayMs();
            if (config.retryDelayMs() > 0) {
                // the hold first: a failure counted without its hold would let another member read on at once
                holds.record(new RetryHolds.Hold(r.group(), r.topic(), r.partition(), r.offset(), earlier.size() + 1,
                        notBefore));
            }
            append(queue, null, new byte[0], DeadLetterRecord.headers(
                    DeadLetterRecord.KIND, DeadLetterRecord.RETRY,
                    DeadLetterRecord.GROUP, r.group(),
                    DeadLetterRecord.ORIGIN_TOPIC, r.topic(),
                    DeadLetterRecord.ORIGIN_PARTITION, Integer.toString(r.partition()),
                    DeadLetterRecord.ORIGIN_OFFSET, Long.toString(r.offset()),
                    DeadLetterRecord.ERROR, error,
                    DeadLetterRecord.FAILURE, Long.toString(now),
                    DeadLetterRecord.NOT_BEFORE, Long.toString(notBefore)));
            return new NackResponse(false, earlier.size() + 1, notBefore, "");
        }
    }

    /**
     * Ends the group's hold of the partition once its record is dead-lettered: the group moves past it at once. A
     * release that cannot be committed (no metadata leader) is logged: the hold then ends at its not-before time.
     */
    private void release(NackRequest r) {
        try {
            holds.record(new RetryHolds.Hold(r.group(), r.topic(), r.partition(), r.offset(), 0, 0));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the retry hold of group " + r.group() + " on " + r.topic() + "-"
                    + r.partition() + " could not be released after its record was dead-lettered (it ends at its "
                    + "not-before time): " + e.getMessage());
        }
    }

    /**
     * The schema registry's {@code warn} mode hook: the record that broke its topic's schema is dead-lettered (and
     * then stored in its topic as warn mode does). It has no offset yet: origin offset and partition are -1. A copy
     * that cannot be appended (the queue's leader unreachable) is logged, and the produce goes on.
     */
    public void rejected(String topic, String schema, String violation, byte[] key, byte[] value) {
        if (!config.enabled() || topic.endsWith(config.topicSuffix())) {
            return; // a queue's own records are never dead-lettered into a queue of the queue
        }
        String queue = queueOf(topic);
        long now = clock.millis();
        try {
            append(queue, key == null || key.length == 0 ? null : key, value, DeadLetterRecord.headers(
                    DeadLetterRecord.KIND, DeadLetterRecord.DEAD,
                    DeadLetterRecord.ORIGIN_TOPIC, topic,
                    DeadLetterRecord.ORIGIN_PARTITION, "-1",
                    DeadLetterRecord.ORIGIN_OFFSET, "-1",
                    DeadLetterRecord.ERROR, "record rejected by schema " + schema + ": " + violation,
                    DeadLetterRecord.RETRIES, "0",
                    DeadLetterRecord.FIRST_FAILURE, Long.toString(now),
                    DeadLetterRecord.LAST_FAILURE, Long.toString(now),
                    DeadLetterRecord.REASON, "schema"));
        } catch (RuntimeException e) {
            // warn mode stores the record whatever happens to its copy: the produce is not failed for it
            LOG.log(System.Logger.Level.WARNING, "a record of " + topic + " that broke its schema could not be "
                    + "dead-lettered into " + queue + ": " + e.getMessage());
            return;
        }
        listener.deadLettered(topic, "schema");
    }

    // ---- reading, replaying, purging

    /** Dead letters of {@code topic}'s queue not replayed yet, oldest first (empty when disabled, as upstream). */
    public List<DeadLetterRecord> list(String topic, int max) {
        if (!config.enabled()) {
            return List.of();
        }
        int n = max <= 0 ? DEFAULT_FETCH : Math.min(max, MAX_FETCH);
        return view(queueOf(topic)).map(v -> v.pending(n)).orElse(List.of());
    }

    /** A replay's or purge's answer. */
    public record Outcome(boolean success, String message) {
    }

    /**
     * Copies dead letter {@code id} (its offset in the queue) back into its origin topic and partition, once: a
     * replay asked again (a client retrying after a lost answer) finds the {@code replayed} record and answers success
     * without a second copy. The copy is preceded by a {@code replaying} record holding the origin partition's end
     * offset; a replay that finds one without its {@code replayed} record (the node failed in between) first looks for
     * the copy from that offset on (same key and value) and only appends if there is none.
     */
    public Outcome replay(String topic, String id) {
        if (!config.enabled()) {
            return new Outcome(false, "dead-letter queues are disabled on this broker (dlq.enabled = false)");
        }
        String queue = queueOf(topic);
        long offset;
        try {
            offset = Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            return new Outcome(false, "message not found: '" + id + "' is not a dead letter id of queue " + queue
                    + " (ids are the offsets FETCH_DLQ lists)");
        }
        synchronized (lock(queue)) {
            Optional<QueueView> view = view(queue);
            DeadLetterRecord dead = view.map(v -> v.dead(offset)).orElse(null);
            if (dead == null) {
                return new Outcome(false, "message not found: no dead letter " + id + " in queue " + queue);
            }
            QueueView v = view.get();
            DeadLetterRecord done = v.replayedMark(offset);
            if (done != null) {
                return new Outcome(true, "already replayed: dead letter " + id + " went to " + topic + " at offset "
                        + done.longHeader(DeadLetterRecord.ORIGIN_OFFSET));
            }
            String origin = dead.header(DeadLetterRecord.ORIGIN_TOPIC);
            DeadLetterRecord intent = v.replayingMark(offset);
            int partition;
            long copy = -1;
            if (intent != null) {
                partition = (int) intent.longHeader(DeadLetterRecord.ORIGIN_PARTITION);
                copy = findCopy(origin, partition, intent.longHeader(DeadLetterRecord.ORIGIN_END), dead);
            } else {
                partition = (int) dead.longHeader(DeadLetterRecord.ORIGIN_PARTITION);
                if (partition < 0) {
                    partition = topics.find(origin).map(t -> t.choosePartition(dead.key(), -1)).orElse(0);
                }
                append(queue, null, new byte[0], DeadLetterRecord.headers(
                        DeadLetterRecord.KIND, DeadLetterRecord.REPLAYING,
                        DeadLetterRecord.REPLAY_OF, Long.toString(offset),
                        DeadLetterRecord.ORIGIN_PARTITION, Integer.toString(partition),
                        DeadLetterRecord.ORIGIN_END, Long.toString(endOffsetHere(origin, partition,
                                dead.longHeader(DeadLetterRecord.ORIGIN_OFFSET)))));
            }
            if (copy < 0) {
                copy = produce(origin, partition, dead.key(), dead.value(), DeadLetterRecord.headers(
                        DeadLetterRecord.REPLAY_OF, queue + "@" + offset));
            }
            append(queue, null, new byte[0], DeadLetterRecord.headers(
                    DeadLetterRecord.KIND, DeadLetterRecord.REPLAYED,
                    DeadLetterRecord.REPLAY_OF, Long.toString(offset),
                    DeadLetterRecord.ORIGIN_OFFSET, Long.toString(copy)));
            listener.dlqReplayed(origin);
            return new Outcome(true, "replayed dead letter " + id + " to " + origin + " partition " + partition
                    + " offset " + copy);
        }
    }

    /** Deletes {@code topic}'s queue topic with everything in it (upstream does the same). */
    public Outcome purge(String topic) {
        if (!config.enabled()) {
            return new Outcome(false, "dead-letter queues are disabled on this broker (dlq.enabled = false)");
        }
        String queue = queueOf(topic);
        synchronized (lock(queue)) {
            Optional<QueueView> view = view(queue);
            if (view.isEmpty()) {
                return new Outcome(true, "queue " + queue + " is empty");
            }
            long n = view.get().depth();
            calls.call(Opcodes.DELETE_TOPIC, new DeleteTopicRequest(queue, false));
            views.remove(queue);
            return new Outcome(true, "purged queue " + queue + " (" + n + " dead letter" + (n == 1 ? "" : "s") + ")");
        }
    }

    /** Dead letters not replayed, per origin topic, of the queues whose log this node holds. */
    public Map<String, Long> depths() {
        Map<String, Long> out = new TreeMap<>();
        if (!config.enabled()) {
            return out;
        }
        for (String name : topics.names()) {
            if (name.endsWith(config.topicSuffix()) && name.length() > config.topicSuffix().length()) {
                try {
                    if (!leadership.leader(name, 0).local()) {
                        continue; // the queue's depth is reported by its leader only, once per cluster
                    }
                    view(name).ifPresent(v -> out.put(name.substring(0, name.length() - config.topicSuffix().length()),
                            v.depth()));
                } catch (RuntimeException e) {
                    // a queue deleted or closed while it was read: absent from this scrape
                }
            }
        }
        return out;
    }

    // ---- the node's own requests

    private FetchResponse.Entry originRecord(String topic, int partition, long offset) {
        FetchResponse f = FetchResponse.read(calls.call(Opcodes.FETCH,
                new FetchRequest(topic, partition, offset, 1, "")));
        for (FetchResponse.Entry e : f.records()) {
            if (e.offset() == offset) {
                return e;
            }
        }
        throw new RequestException("no record at offset " + offset + " of " + topic + " partition " + partition
                + " to report failed (it may have expired or been removed by retention)");
    }

    /** The origin partition's end offset as this node's replica has it, else just past the original record. */
    private long endOffsetHere(String topic, int partition, long originalOffset) {
        try {
            Optional<Topic> t = topics.find(topic);
            if (t.isPresent()) {
                return t.get().log(partition).endOffset();
            }
        } catch (RuntimeException e) {
            // no replica here
        }
        return Math.max(0, originalOffset + 1);
    }

    /** The offset of a record equal to {@code dead} (key and value) in the partition from {@code from} on, or -1. */
    private long findCopy(String topic, int partition, long from, DeadLetterRecord dead) {
        long at = Math.max(0, from);
        byte[] key = dead.key() == null ? new byte[0] : dead.key();
        while (true) {
            FetchResponse f;
            try {
                f = FetchResponse.read(calls.call(Opcodes.FETCH, new FetchRequest(topic, partition, at, 500, "")));
            } catch (RequestException e) {
                return -1;
            }
            for (FetchResponse.Entry e : f.records()) {
                if (Arrays.equals(e.key(), key) && Arrays.equals(e.value(), dead.value())) {
                    return e.offset();
                }
            }
            if (f.records().isEmpty() || f.nextOffset() <= at) {
                return -1;
            }
            at = f.nextOffset();
        }
    }

    /** Appends one record to {@code queue}'s partition 0 (creating the queue topic first if it is missing). */
    private long append(String queue, byte[] key, byte[] value, List<Header> headers) {
        if (topics.find(queue).isEmpty()) {
            try {
                calls.call(Opcodes.CREATE_TOPIC, CreateTopicRequest.of(queue, 1));
            } catch (RequestException e) {
                if (topics.find(queue).isEmpty() && !String.valueOf(e.getMessage()).contains("already exists")) {
                    throw e;
                }
            }
        }
        return produce(queue, 0, key, value, headers);
    }

    /** How long an append waits for a partition that has no leader yet (a new queue topic, a failover). */
    private static final long ELECTION_WAIT_MS = 10_000;

    /**
     * One record, acks=all, into {@code topic}/{@code partition}; its offset. In a cluster a partition without a
     * leader (just created, or its leader just failed) answers {@code not leader ...}: the append is tried again
     * until one is elected, for at most {@link #ELECTION_WAIT_MS}.
     */
    private long produce(String topic, int partition, byte[] key, byte[] value, List<Header> headers) {
        long deadline = System.nanoTime() + ELECTION_WAIT_MS * 1_000_000;
        while (true) {
            try {
                return produceOnce(topic, partition, key, value, headers);
            } catch (RequestException e) {
                String m = String.valueOf(e.getMessage());
                if (!(m.startsWith("not leader") || m.contains("no leader")) || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private long produceOnce(String topic, int partition, byte[] key, byte[] value, List<Header> headers) {
        PayloadWriter w = new PayloadWriter(256 + value.length);
        BatchProduceRequest.Writer batch = BatchProduceRequest.writer(w, topic, Acks.ALL, 1)
                .group(partition, 1)
                .record(clock.millis(), key, value, headers.size());
        for (Header h : headers) {
            batch.header(h.key(), h.value());
        }
        batch.end(false);
        BatchProduceResponse answer = BatchProduceResponse.read(calls.call(ExtensionOpcodes.BATCH_PRODUCE,
                w.toPayload()));
        BatchProduceResponse.GroupResult g = answer.groups().get(0);
        if (!g.error().isEmpty()) {
            throw new RequestException(g.error());
        }
        return g.baseOffset();
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
