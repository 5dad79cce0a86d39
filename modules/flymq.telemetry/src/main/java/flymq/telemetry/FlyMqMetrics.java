package flymq.telemetry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import flymq.telemetry.metrics.MetricFamilies;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Timer;

import static flymq.telemetry.metrics.MetricFamilies.counter;
import static flymq.telemetry.metrics.MetricFamilies.latency;
import static flymq.telemetry.metrics.MetricFamilies.tag;

/**
 * The hot-path half of the metrics: counters and latency histograms the broker bumps on every request.
 *
 * <p>Each call costs a map lookup on a cached per-topic (or per-group) holder and a few adder increments; meters are
 * created once, on the first event for a topic, partition or group, never looked up in the registry per message.
 * {@link #topicDeleted} and {@link #groupDeleted} drop the meters so a deleted topic or group leaves the scrape.
 * All methods are thread-safe.
 */
public final class FlyMqMetrics {

    private final MeterRegistry registry;
    private final Counter connectionsTotal;
    private final ConcurrentHashMap<String, Counter> refused = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> loginFailures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> denied = new ConcurrentHashMap<>();
    private final Timer syncLatency;
    private final ConcurrentHashMap<String, TopicMeters> topics = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, GroupMeters> groups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> storageErrors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> schemaFailures = new ConcurrentHashMap<>();
    /** Dead-lettered and replayed counters, keyed by origin topic, NUL, reason ("" for replays), NUL, family. */
    private final ConcurrentHashMap<String, Counter> dlqCounters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> transactions = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong openTransactions = new java.util.concurrent.atomic.AtomicLong();

    FlyMqMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.connectionsTotal = counter(registry, MetricFamilies.CONNECTIONS_TOTAL, "Total connections since startup");
        this.syncLatency = latency(registry, MetricFamilies.STORAGE_SYNC_LATENCY, "Disk sync latency");
    }

    /** BEGIN_TX opened a transaction. */
    public void transactionBegun() {
        openTransactions.incrementAndGet();
        // registered on the first transaction (getOrCreate returns the registered one after that), so that a
        // broker without transactions exports exactly the guide's metrics
        registry.getOrCreate(io.helidon.metrics.api.Gauge.builder(MetricFamilies.TRANSACTIONS_OPEN,
                () -> (double) openTransactions.get()).description("Transactions open now"));
    }

    /** A transaction ended: {@code outcome} committed, aborted or timed_out. */
    public void transactionEnded(String outcome) {
        openTransactions.decrementAndGet();
        transactions.computeIfAbsent(outcome, o -> counter(registry, MetricFamilies.TRANSACTIONS,
                "Transactions ended, by outcome", tag("outcome", o))).increment();
    }

    public void connectionOpened() {
        connectionsTotal.increment();
    }

    /** A connection closed on accept because {@code limit} was reached (a configuration key's last part). */
    public void connectionRefused(String limit) {
        Counter c = refused.get(limit);
        if (c == null) {
            c = refused.computeIfAbsent(limit, l -> counter(registry, MetricFamilies.CONNECTIONS_REFUSED,
                    "Connections closed on accept because a connection limit was reached", tag("limit", l)));
        }
        c.increment();
    }

    /** An AUTH or admin API login was refused, by {@code reason} (bad_credentials, disabled, throttled). */
    public void loginFailed(String reason) {
        loginFailures.computeIfAbsent(reason, r -> counter(registry, MetricFamilies.LOGIN_FAILURES,
                "Logins refused", tag("reason", r))).increment();
    }

    /** A request refused by the authorization check, by {@code operation} (the opcode's name). */
    public void requestDenied(String operation) {
        denied.computeIfAbsent(operation, o -> counter(registry, MetricFamilies.REQUESTS_DENIED,
                "Requests refused by the authorization check", tag("operation", o))).increment();
    }

    public void produced(String topic, int partition, long records, long bytes, long latencyNanos) {
        TopicMeters t = topic(topic);
        t.produced.increment(records);
        t.bytesProduced.increment(bytes);
        t.produceLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    /** A fetch that returned records; {@code group} is empty for a fetch outside any consumer group. */
    public void consumed(String topic, int partition, String group, long records, long bytes, long latencyNanos) {
        ConsumeMeters c = topic(topic).consumer(group);
        c.consumed.increment(records);
        c.bytesConsumed.increment(bytes);
        c.latency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    public void committed(String group, String topic, int partition, long offset) {
        group(group).commits(topic).increment();
    }

    /** A member joined or left, so the group's partitions were assigned again. */
    public void rebalanced(String group) {
        group(group).rebalances.increment();
    }

    public void storageWritten(String topic, int partition, long bytes) {
        topic(topic).partition(partition).written.increment(bytes);
    }

    public void storageRead(String topic, int partition, long bytes) {
        topic(topic).partition(partition).read.increment(bytes);
    }

    public void storageSynced(long latencyNanos) {
        syncLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    /** A write under the data directory failed; {@code kind} says why (no_space, read_only, ...). */
    public void storageFailed(String kind) {
        storageErrors.computeIfAbsent(kind, k -> counter(registry, MetricFamilies.STORAGE_ERRORS,
                "Failed writes, flushes and housekeeping passes under the data directory, by cause",
                tag("kind", k))).increment();
    }

    /**
     * A produced record broke its topic's schema; {@code mode} {@code strict} (refused) or {@code warn} (stored).
     * Labelled by topic, so {@link #topicDeleted} drops it with the topic's other series.
     */
    public void schemaRejected(String topic, String mode) {
        schemaFailures.computeIfAbsent(topic + '\u0000' + mode, k -> counter(registry,
                MetricFamilies.SCHEMA_VALIDATION_FAILURES, "Produced records that broke their topic's schema, by "
                        + "validation mode", tag("topic", topic), tag("mode", mode))).increment();
    }

    /**
     * A record of {@code topic} went to its dead-letter queue; {@code reason} {@code max_retries} or {@code schema}.
     * Labelled by the origin topic, and dropped with it.
     */
    public void deadLettered(String topic, String reason) {
        dlqCounters.computeIfAbsent(topic + '\u0000' + reason + "\u0000dead", k -> counter(registry,
                MetricFamilies.DLQ_DEAD_LETTERED, "Records moved to their topic's dead-letter queue, by reason",
                tag("topic", topic), tag("reason", reason))).increment();
    }

    /** A dead letter of {@code topic}'s queue was replayed into {@code topic}. */
    public void dlqReplayed(String topic) {
        dlqCounters.computeIfAbsent(topic + "\u0000\u0000replayed", k -> counter(registry,
                MetricFamilies.DLQ_REPLAYED, "Dead letters copied back into their origin topic",
                tag("topic", topic))).increment();
    }

    public void topicDeleted(String topic) {
        schemaFailures.keySet().removeIf(k -> k.startsWith(topic + '\u0000'));
        dlqCounters.keySet().removeIf(k -> k.startsWith(topic + '\u0000'));
        topics.remove(topic);
        MetricFamilies.removeLabelled(registry, "topic", topic);
        for (GroupMeters g : groups.values()) {
            g.commits.remove(topic);
        }
    }

    public void groupDeleted(String group) {
        groups.remove(group);
        for (TopicMeters t : topics.values()) {
            t.consumers.remove(group);
        }
        MetricFamilies.removeLabelled(registry, "group", group);
    }

    /**
     * Running totals over every topic, read when asked (the admin console samples them for its charts): records and
     * bytes produced and consumed, produce requests and their summed latency. A deleted topic's meters leave the
     * totals, so successive values may step back.
     */
    public Totals totals() {
        long produced = 0;
        long bytesIn = 0;
        long consumed = 0;
        long bytesOut = 0;
        long requests = 0;
        double latencyNanos = 0;
        for (TopicMeters t : topics.values()) {
            produced += (long) t.produced.count();
            bytesIn += (long) t.bytesProduced.count();
            requests += t.produceLatency.count();
            latencyNanos += t.produceLatency.totalTime(TimeUnit.NANOSECONDS);
            for (ConsumeMeters c : t.consumers.values()) {
                consumed += (long) c.consumed.count();
                bytesOut += (long) c.bytesConsumed.count();
            }
        }
        return new Totals(produced, bytesIn, consumed, bytesOut, requests, (long) latencyNanos);
    }

    /** See {@link #totals()}. */
    public record Totals(long produced, long bytesProduced, long consumed, long bytesConsumed, long produceRequests,
                         long produceLatencyNanos) {
    }

    private TopicMeters topic(String topic) {
        TopicMeters t = topics.get(topic);
        return t != null ? t : topics.computeIfAbsent(topic, TopicMeters::new);
    }

    private GroupMeters group(String group) {
        GroupMeters g = groups.get(group);
        return g != null ? g : groups.computeIfAbsent(group, GroupMeters::new);
    }

    private final class TopicMeters {
        private final String name;
        private final Counter produced;
        private final Counter bytesProduced;
        private final Timer produceLatency;
        private final ConcurrentHashMap<String, ConsumeMeters> consumers = new ConcurrentHashMap<>();
        // Copy-on-write by partition number: reads are a bounds check and an array load.
        private volatile PartitionMeters[] partitions = new PartitionMeters[0];

        TopicMeters(String name) {
            this.name = name;
            this.produced = counter(registry, MetricFamilies.PRODUCED, "Total messages produced", tag("topic", name));
            this.bytesProduced = counter(registry, MetricFamilies.BYTES_PRODUCED, "Total bytes produced",
                    tag("topic", name));
            this.produceLatency = latency(registry, MetricFamilies.PRODUCE_LATENCY, "Produce latency distribution",
                    tag("topic", name));
        }

        ConsumeMeters consumer(String group) {
            ConsumeMeters c = consumers.get(group);
            return c != null ? c : consumers.computeIfAbsent(group, g -> new ConsumeMeters(name, g));
        }

        PartitionMeters partition(int partition) {
            PartitionMeters[] current = partitions;
            if (partition >= 0 && partition < current.length && current[partition] != null) {
                return current[partition];
            }
            return addPartition(partition);
        }

        private synchronized PartitionMeters addPartition(int partition) {
            if (partition < 0) {
                throw new IllegalArgumentException("topic " + name + ": negative partition " + partition);
            }
            PartitionMeters[] current = partitions;
            if (partition < current.length && current[partition] != null) {
                return current[partition];
            }
            PartitionMeters[] grown = java.util.Arrays.copyOf(current, Math.max(current.length, partition + 1));
            grown[partition] = new PartitionMeters(name, partition);
            partitions = grown;
            return grown[partition];
        }
    }

    private final class ConsumeMeters {
        private final Counter consumed;
        private final Counter bytesConsumed;
        private final Timer latency;

        ConsumeMeters(String topic, String group) {
            consumed = counter(registry, MetricFamilies.CONSUMED, "Total messages consumed",
                    tag("topic", topic), tag("group", group));
            bytesConsumed = counter(registry, MetricFamilies.BYTES_CONSUMED, "Total bytes consumed",
                    tag("topic", topic), tag("group", group));
            latency = MetricFamilies.latency(registry, MetricFamilies.CONSUME_LATENCY, "Consume latency distribution",
                    tag("topic", topic), tag("group", group));
        }
    }

    private final class PartitionMeters {
        private final Counter written;
        private final Counter read;

        PartitionMeters(String topic, int partition) {
            String p = Integer.toString(partition);
            written = counter(registry, MetricFamilies.STORAGE_WRITTEN, "Bytes written",
                    tag("topic", topic), tag("partition", p));
            read = counter(registry, MetricFamilies.STORAGE_READ, "Bytes read",
                    tag("topic", topic), tag("partition", p));
        }
    }

    private final class GroupMeters {
        private final String name;
        private final Counter rebalances;
        private final ConcurrentHashMap<String, Counter> commits = new ConcurrentHashMap<>();

        GroupMeters(String name) {
            this.name = name;
            rebalances = counter(registry, MetricFamilies.GROUP_REBALANCES, "Total rebalances", tag("group", name));
        }

        Counter commits(String topic) {
            Counter c = commits.get(topic);
            return c != null ? c : commits.computeIfAbsent(topic, t -> counter(registry, MetricFamilies.GROUP_COMMITS,
                    "Offset commits", tag("group", name), tag("topic", t)));
        }
    }
}
