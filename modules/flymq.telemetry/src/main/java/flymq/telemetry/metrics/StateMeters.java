package flymq.telemetry.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import flymq.telemetry.StateSource;
import flymq.telemetry.StateSource.ClusterState;
import flymq.telemetry.StateSource.GroupPartitionState;
import flymq.telemetry.StateSource.GroupState;
import flymq.telemetry.StateSource.PartitionState;
import flymq.telemetry.StateSource.TimedRecordsState;
import flymq.telemetry.StateSource.TopicState;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

import static flymq.telemetry.metrics.MetricFamilies.tag;

/**
 * The state half of the metrics: gauges whose values come from {@link StateSource} when Prometheus scrapes.
 *
 * <p>{@link #refresh()} runs once per scrape, before the registry is printed: it reads the source once, stores the
 * numbers in cells the gauges read, registers gauges for topics, partitions and groups that appeared and removes
 * those that are gone (so a deleted topic or group disappears from the scrape). Nothing here runs per message.
 */
public final class StateMeters {

    private final MeterRegistry registry;
    private final StateSource source;
    private final Cell active = new Cell();
    private final Cell nodes = new Cell();
    private final Cell term = new Cell();
    private final Cell commitIndex = new Cell();
    private final Cell elections = new Cell();
    /** Registered with the first cluster state that has a transport, so a single node shows the guide's families. */
    private Cell authFailures;
    private Cell reassignments;
    private final Cell delayedPending = new Cell();
    private final Cell delayedDelivered = new Cell();
    private final Cell delayedCancelled = new Cell();
    private final Cell delayedDropped = new Cell();
    private final Cell expiredSkipped = new Cell();
    private boolean timedRegistered;
    private final Map<String, Cell> leaderByNode = new HashMap<>();
    private final Map<String, TopicCells> topics = new HashMap<>();
    private final Map<String, GroupCells> groups = new HashMap<>();
    private final Map<String, DepthCell> dlqDepth = new HashMap<>();

    public StateMeters(MeterRegistry registry, StateSource source, long startNanos) {
        this.registry = registry;
        this.source = source;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        gauge(MetricFamilies.UPTIME, "Server uptime in seconds", () -> (System.nanoTime() - startNanos) / 1e9);
        gauge(MetricFamilies.CONNECTIONS_ACTIVE, "Current active client connections", active);
        // The guide's name comes from a Go server; the JVM's equivalent is its live thread count.
        gauge(MetricFamilies.GOROUTINES, "Number of active goroutines (live JVM threads)",
                () -> (double) threads.getThreadCount());
        gauge(MetricFamilies.MEMORY, "Memory usage in bytes (JVM heap and non-heap in use)",
                () -> (double) (memory.getHeapMemoryUsage().getUsed() + memory.getNonHeapMemoryUsage().getUsed()));
        gauge(MetricFamilies.CLUSTER_NODES, "Total cluster nodes", nodes);
        gauge(MetricFamilies.RAFT_TERM, "Current Raft term", term);
        gauge(MetricFamilies.RAFT_COMMIT_INDEX, "Raft commit index", commitIndex);
        registry.getOrCreate(FunctionalCounter.builder(MetricFamilies.RAFT_ELECTIONS, elections,
                c -> (long) c.value).description("Total leader elections"));
    }

    /** Reads the source once and brings every state gauge up to date. Called by the scrape, one at a time. */
    public synchronized void refresh() {
        active.value = source.activeConnections();
        refreshCluster(source.cluster());
        refreshTopics(source.topics());
        refreshGroups(source.groups());
        refreshTimed(source.timedRecords());
        refreshDlq(source.dlqDepths());
    }

    /** One depth gauge per origin topic whose queue exists (and this node leads); gone with the queue. */
    private void refreshDlq(Map<String, Long> depths) {
        depths.forEach((topic, depth) -> dlqDepth.computeIfAbsent(topic, t -> {
            DepthCell c = new DepthCell();
            c.meter = gauge(MetricFamilies.DLQ_DEPTH, "Dead letters in the topic's dead-letter queue not replayed yet",
                    c, tag("topic", t));
            return c;
        }).value = depth);
        dlqDepth.entrySet().removeIf(e -> {
            if (!depths.containsKey(e.getKey())) {
                registry.remove(e.getValue().meter);
                return true;
            }
            return false;
        });
    }

    private static final class DepthCell extends Cell {
        Meter meter;
    }

    /**
     * The delayed-delivery and TTL families appear with the first delayed record or skipped expired record, so a
     * broker that uses neither scrapes exactly the guide's families.
     */
    private void refreshTimed(TimedRecordsState t) {
        if (!timedRegistered && !t.any()) {
            return;
        }
        if (!timedRegistered) {
            timedRegistered = true;
            gauge(MetricFamilies.DELAYED_PENDING, "Delayed records scheduled and not yet delivered or cancelled",
                    delayedPending);
            counter(MetricFamilies.DELAYED_DELIVERED, "Delayed records appended to their partition", delayedDelivered);
            counter(MetricFamilies.DELAYED_CANCELLED, "Delayed records cancelled before they were due",
                    delayedCancelled);
            counter(MetricFamilies.DELAYED_DROPPED, "Delayed records due whose topic or partition no longer existed",
                    delayedDropped);
            counter(MetricFamilies.TTL_EXPIRED_SKIPPED, "Expired records that CONSUME and FETCH passed over",
                    expiredSkipped);
        }
        delayedPending.value = t.delayedPending();
        delayedDelivered.value = t.delayedDelivered();
        delayedCancelled.value = t.delayedCancelled();
        delayedDropped.value = t.delayedDropped();
        expiredSkipped.value = t.expiredSkipped();
    }

    private void counter(String name, String help, Cell cell) {
        registry.getOrCreate(FunctionalCounter.builder(name, cell, c -> (long) c.value).description(help));
    }

    private void refreshCluster(ClusterState c) {
        nodes.value = c.nodes();
        term.value = c.raftTerm();
        commitIndex.value = c.commitIndex();
        elections.value = c.elections();
        if (c.authFailures() >= 0) {
            if (authFailures == null) {
                authFailures = new Cell();
                counter(MetricFamilies.CLUSTER_AUTH_FAILURES, "Cluster connections refused: no or a wrong cluster "
                        + "secret, no handshake in time, or a frame whose MAC does not verify", authFailures);
            }
            authFailures.value = c.authFailures();
        }
        if (c.reassignments() >= 0) {
            if (reassignments == null) {
                reassignments = new Cell();
                gauge(MetricFamilies.CLUSTER_REASSIGNMENTS, "Partition reassignments in progress (recorded and not "
                        + "yet finished or cancelled)", reassignments);
            }
            reassignments.value = c.reassignments();
        }
        Cell self = leaderByNode.get(c.nodeId());
        if (self == null) {
            self = new Cell();
            leaderByNode.put(c.nodeId(), self);
            gauge(MetricFamilies.CLUSTER_LEADER, "1 if node is leader", self, tag("node_id", c.nodeId()));
        }
        self.value = c.isLeader() ? 1 : 0;
    }

    private void refreshTopics(List<TopicState> now) {
        Set<String> seen = new HashSet<>();
        for (TopicState t : now) {
            seen.add(t.name());
            TopicCells cells = topics.computeIfAbsent(t.name(), TopicCells::new);
            cells.partitionCount.value = t.partitions().size();
            Set<Integer> seenPartitions = new HashSet<>();
            for (PartitionState p : t.partitions()) {
                seenPartitions.add(p.partition());
                PartitionCells pc = cells.partitions.computeIfAbsent(p.partition(),
                        n -> new PartitionCells(t.name(), n));
                pc.messages.value = p.messages();
                pc.bytes.value = p.bytes();
                pc.oldest.value = p.oldestOffset();
                pc.newest.value = p.newestOffset();
                pc.segments.value = p.segments();
            }
            cells.partitions.entrySet().removeIf(e -> {
                if (!seenPartitions.contains(e.getKey())) {
                    e.getValue().meters.forEach(registry::remove);
                    return true;
                }
                return false;
            });
        }
        topics.entrySet().removeIf(e -> {
            if (!seen.contains(e.getKey())) {
                e.getValue().remove();
                return true;
            }
            return false;
        });
    }

    private void refreshGroups(List<GroupState> now) {
        Set<String> seen = new HashSet<>();
        for (GroupState g : now) {
            seen.add(g.group());
            GroupCells cells = groups.computeIfAbsent(g.group(), GroupCells::new);
            cells.members.value = g.members();
            Set<String> seenLag = new HashSet<>();
            for (GroupPartitionState p : g.partitions()) {
                String key = p.topic() + '\u0000' + p.partition();
                seenLag.add(key);
                LagCell lag = cells.lag.computeIfAbsent(key, k -> new LagCell(g.group(), p.topic(), p.partition()));
                lag.value = Math.max(0, p.lag());
            }
            cells.lag.entrySet().removeIf(e -> {
                if (!seenLag.contains(e.getKey())) {
                    registry.remove(e.getValue().meter);
                    return true;
                }
                return false;
            });
        }
        groups.entrySet().removeIf(e -> {
            if (!seen.contains(e.getKey())) {
                e.getValue().remove();
                return true;
            }
            return false;
        });
    }

    private Meter gauge(String name, String help, Cell cell, Tag... tags) {
        return registry.getOrCreate(Gauge.builder(name, cell, c -> c.value).description(help).tags(List.of(tags)));
    }

    private void gauge(String name, String help, java.util.function.Supplier<Double> value) {
        registry.getOrCreate(Gauge.builder(name, value).description(help));
    }

    /** A number a gauge reads; written by {@link #refresh()}, read by the exposition right after. */
    private static class Cell {
        volatile double value;
    }

    private final class TopicCells {
        final Cell partitionCount = new Cell();
        final Meter partitionMeter;
        final Map<Integer, PartitionCells> partitions = new HashMap<>();

        TopicCells(String topic) {
            partitionMeter = gauge(MetricFamilies.TOPIC_PARTITIONS, "Number of partitions", partitionCount,
                    tag("topic", topic));
        }

        void remove() {
            registry.remove(partitionMeter);
            partitions.values().forEach(p -> p.meters.forEach(registry::remove));
        }
    }

    private final class PartitionCells {
        final Cell messages = new Cell();
        final Cell bytes = new Cell();
        final Cell oldest = new Cell();
        final Cell newest = new Cell();
        final Cell segments = new Cell();
        final List<Meter> meters = new ArrayList<>();

        PartitionCells(String topic, int partition) {
            Tag t = tag("topic", topic);
            Tag p = tag("partition", Integer.toString(partition));
            meters.add(gauge(MetricFamilies.TOPIC_MESSAGES, "Messages in partition", messages, t, p));
            meters.add(gauge(MetricFamilies.TOPIC_BYTES, "Bytes in partition", bytes, t, p));
            meters.add(gauge(MetricFamilies.TOPIC_OLDEST, "Oldest available offset", oldest, t, p));
            meters.add(gauge(MetricFamilies.TOPIC_NEWEST, "Newest offset", newest, t, p));
            meters.add(gauge(MetricFamilies.STORAGE_SEGMENTS, "Active segments", segments, t, p));
        }
    }

    private final class GroupCells {
        final Cell members = new Cell();
        final Meter membersMeter;
        final Map<String, LagCell> lag = new HashMap<>();

        GroupCells(String group) {
            membersMeter = gauge(MetricFamilies.GROUP_MEMBERS, "Active group members", members, tag("group", group));
        }

        void remove() {
            registry.remove(membersMeter);
            lag.values().forEach(l -> registry.remove(l.meter));
        }
    }

    private final class LagCell extends Cell {
        final Meter meter;

        LagCell(String group, String topic, int partition) {
            meter = gauge(MetricFamilies.GROUP_LAG, "Consumer lag", this, tag("group", group), tag("topic", topic),
                    tag("partition", Integer.toString(partition)));
        }
    }
}
