package flymq.cli.top;

import flymq.cli.metrics.Exposition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What `flymq top` shows, computed from two successive scrapes of /metrics: rates are counter differences divided
 * by the time between the scrapes; latency percentiles come from the histogram buckets that filled in that time
 * (from everything since start-up on the first screen, when there is no earlier scrape).
 *
 * @param topics      per topic: produce and consume rates in records/s
 * @param groups      per consumer group: total lag and members
 * @param produceP99  p99 produce latency in seconds over the interval (NaN if nothing was produced)
 * @param consumeP99  p99 consume latency in seconds (NaN if nothing was consumed)
 * @param connections active connections
 * @param uptime      broker uptime in seconds (NaN if not exported)
 */
public record TopSnapshot(List<TopicRow> topics, List<GroupRow> groups, double produceP99, double consumeP99,
                          double connections, double uptime) {

    /** One topic's line. */
    public record TopicRow(String topic, double produceRate, double consumeRate, double produceBytesRate) {
    }

    /** One group's line. */
    public record GroupRow(String group, String topics, double lag, double members) {
    }

    /**
     * @param previous the earlier scrape, or null on the first screen
     * @param current  the latest scrape
     * @param seconds  time between the two scrapes
     */
    public static TopSnapshot between(Exposition previous, Exposition current, double seconds) {
        var produced = rates(previous, current, "flymq_messages_produced_total", "topic", seconds);
        var consumed = rates(previous, current, "flymq_messages_consumed_total", "topic", seconds);
        var producedBytes = rates(previous, current, "flymq_messages_bytes_produced_total", "topic", seconds);
        var topicNames = new TreeSet<String>();
        topicNames.addAll(produced.keySet());
        topicNames.addAll(consumed.keySet());
        Exposition.sumBy(current.samples("flymq_topic_partitions"), "topic").keySet().forEach(topicNames::add);
        topicNames.remove("");
        var topics = new ArrayList<TopicRow>();
        for (var t : topicNames) {
            topics.add(new TopicRow(t, produced.getOrDefault(t, 0.0), consumed.getOrDefault(t, 0.0),
                    producedBytes.getOrDefault(t, 0.0)));
        }

        var lag = Exposition.sumBy(current.samples("flymq_consumer_group_lag"), "group");
        var members = Exposition.sumBy(current.samples("flymq_consumer_group_members"), "group");
        var groupTopics = new TreeMap<String, TreeSet<String>>();
        for (var s : current.samples("flymq_consumer_group_lag")) {
            groupTopics.computeIfAbsent(s.label("group"), k -> new TreeSet<>()).add(s.label("topic"));
        }
        var groupNames = new TreeSet<String>(lag.keySet());
        groupNames.addAll(members.keySet());
        groupNames.remove("");
        var groups = new ArrayList<GroupRow>();
        for (var g : groupNames) {
            groups.add(new GroupRow(g, String.join(",", groupTopics.getOrDefault(g, new TreeSet<>())),
                    lag.getOrDefault(g, 0.0), members.getOrDefault(g, 0.0)));
        }

        return new TopSnapshot(topics, groups,
                p99(previous, current, "flymq_produce_latency_seconds_bucket"),
                p99(previous, current, "flymq_consume_latency_seconds_bucket"),
                first(current, "flymq_server_connections_active"),
                first(current, "flymq_server_uptime_seconds"));
    }

    private static Map<String, Double> rates(Exposition previous, Exposition current, String counter, String label,
                                             double seconds) {
        var now = Exposition.sumBy(current.counter(counter), label);
        var out = new TreeMap<String, Double>();
        if (previous == null || seconds <= 0) {
            now.keySet().forEach(k -> out.put(k, 0.0));
            return out;
        }
        var before = Exposition.sumBy(previous.counter(counter), label);
        now.forEach((k, v) -> {
            double delta = v - before.getOrDefault(k, 0.0);
            out.put(k, delta < 0 ? v / seconds : delta / seconds);
        });
        return out;
    }

    private static double p99(Exposition previous, Exposition current, String bucketName) {
        var now = Exposition.buckets(current.samples(bucketName));
        if (previous != null) {
            var before = Exposition.buckets(previous.samples(bucketName));
            var delta = new TreeMap<Double, Double>();
            now.forEach((le, v) -> delta.put(le, v - before.getOrDefault(le, 0.0)));
            if (!delta.isEmpty() && delta.lastEntry().getValue() > 0) {
                return Exposition.quantile(0.99, delta);
            }
            return Double.NaN;
        }
        return Exposition.quantile(0.99, now);
    }

    private static double first(Exposition e, String name) {
        var samples = e.samples(name);
        return samples.isEmpty() ? Double.NaN : samples.getFirst().value();
    }
}
