package flymq.telemetry.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MeterRegistryFormatter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.SystemTagsManager;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.metrics.spi.MeterRegistryFormatterProvider;

/**
 * The Helidon meter registry that holds every FlyMQ family, and how it is printed.
 *
 * <p>Names are the observability guide's, verbatim. What Helidon (Micrometer with the Prometheus simpleclient
 * exposition) does to them, checked by the scrape tests:
 * <ul>
 *   <li>counters print as {@code <name>} with {@code _total} exactly once, whether or not we register the suffix;</li>
 *   <li>timers print as histograms ({@code _bucket}, {@code _sum}, {@code _count}) in seconds, with the fixed
 *       {@link #LATENCY_BUCKETS} and no client-side quantiles. Micrometer also prints a {@code <name>_max} gauge
 *       family beside each timer and has no setting to switch it off (its Prometheus registry adds the max sample
 *       to every timer); {@link #prometheusText} drops those families, so the scrape holds only the guide's;</li>
 *   <li>Helidon adds a {@code scope="application"} label to every meter by default; we switch scoping off
 *       ({@link #newRegistry()}), so the labels are exactly the guide's.</li>
 * </ul>
 */
public final class MetricFamilies {

    /** Latency buckets in seconds: sub-millisecond resolution from 50 µs up to 10 s. */
    public static final List<Duration> LATENCY_BUCKETS = List.of(
            Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    // Server
    public static final String UPTIME = "flymq_server_uptime_seconds";
    public static final String CONNECTIONS_ACTIVE = "flymq_server_connections_active";
    public static final String CONNECTIONS_TOTAL = "flymq_server_connections_total";
    /** Ours, beyond the guide: connections closed on accept because a limit was reached, by {@code limit}. */
    public static final String CONNECTIONS_REFUSED = "flymq_server_connections_refused_total";
    /** Ours, beyond the guide: refused logins (AUTH and the admin API), by {@code reason}. */
    public static final String LOGIN_FAILURES = "flymq_auth_login_failures_total";
    /** Ours, beyond the guide: requests refused by the authorization check, by {@code operation}. */
    public static final String REQUESTS_DENIED = "flymq_auth_requests_denied_total";
    public static final String GOROUTINES = "flymq_server_goroutines";
    /** Ours, beyond the guide: transactions ended, by {@code outcome} (committed, aborted, timed_out). */
    public static final String TRANSACTIONS = "flymq_transactions_total";
    /** Ours, beyond the guide: transactions open now. */
    public static final String TRANSACTIONS_OPEN = "flymq_transactions_open";
    public static final String MEMORY = "flymq_server_memory_bytes";
    // Messages
    public static final String PRODUCED = "flymq_messages_produced_total";
    public static final String CONSUMED = "flymq_messages_consumed_total";
    public static final String BYTES_PRODUCED = "flymq_messages_bytes_produced_total";
    public static final String BYTES_CONSUMED = "flymq_messages_bytes_consumed_total";
    public static final String PRODUCE_LATENCY = "flymq_produce_latency_seconds";
    public static final String CONSUME_LATENCY = "flymq_consume_latency_seconds";
    // Topics
    public static final String TOPIC_PARTITIONS = "flymq_topic_partitions";
    public static final String TOPIC_MESSAGES = "flymq_topic_messages_total";
    public static final String TOPIC_BYTES = "flymq_topic_bytes_total";
    public static final String TOPIC_OLDEST = "flymq_topic_oldest_offset";
    public static final String TOPIC_NEWEST = "flymq_topic_newest_offset";
    // Consumer groups
    public static final String GROUP_MEMBERS = "flymq_consumer_group_members";
    public static final String GROUP_LAG = "flymq_consumer_group_lag";
    public static final String GROUP_REBALANCES = "flymq_consumer_group_rebalances_total";
    public static final String GROUP_COMMITS = "flymq_consumer_group_commits_total";
    // Cluster
    public static final String CLUSTER_NODES = "flymq_cluster_nodes";
    public static final String CLUSTER_LEADER = "flymq_cluster_leader";
    public static final String RAFT_TERM = "flymq_raft_term";
    public static final String RAFT_COMMIT_INDEX = "flymq_raft_commit_index";
    public static final String RAFT_ELECTIONS = "flymq_raft_elections_total";
    /** Ours, not the guide's: cluster connections refused for authentication (cluster mode only). */
    public static final String CLUSTER_AUTH_FAILURES = "flymq_cluster_auth_failures_total";
    public static final String CLUSTER_REASSIGNMENTS = "flymq_cluster_reassignments_in_progress";
    // Storage
    public static final String STORAGE_SEGMENTS = "flymq_storage_segments";
    public static final String STORAGE_WRITTEN = "flymq_storage_bytes_written_total";
    public static final String STORAGE_READ = "flymq_storage_bytes_read_total";
    public static final String STORAGE_SYNC_LATENCY = "flymq_storage_sync_latency_seconds";
    public static final String STORAGE_ERRORS = "flymq_storage_errors_total";
    public static final String SCHEMA_VALIDATION_FAILURES = "flymq_schema_validation_failures_total";

    public static final String DELAYED_PENDING = "flymq_delayed_pending";
    public static final String DELAYED_DELIVERED = "flymq_delayed_delivered_total";
    public static final String DELAYED_CANCELLED = "flymq_delayed_cancelled_total";
    public static final String DELAYED_DROPPED = "flymq_delayed_dropped_total";
    public static final String TTL_EXPIRED_SKIPPED = "flymq_ttl_expired_skipped_total";

    public static final String DLQ_DEPTH = "flymq_dlq_depth";
    public static final String DLQ_DEAD_LETTERED = "flymq_dlq_dead_lettered_total";
    public static final String DLQ_REPLAYED = "flymq_dlq_replayed_total";

    private MetricFamilies() {
    }

    /** A registry of our own (not Helidon's global one), with Helidon's scope label switched off. */
    public static MeterRegistry newRegistry() {
        MetricsConfig config = config();
        MeterRegistry registry = Metrics.createMeterRegistry(config);
        // The system-tags manager is a JVM-wide singleton that creating the first registry fills from the default
        // config (scope tag "scope", default value "application"); replace it with ours, which has no scope tag.
        SystemTagsManager.create(config);
        return registry;
    }

    /**
     * Builds the registry's configuration once and drops it: the first build starts Helidon's service registry and
     * global config, most of a broker's start-up time on its main thread, and nothing else. Creating no registry,
     * it leaves the JVM-wide system-tags manager alone.
     */
    public static void prepare() {
        config();
    }

    private static MetricsConfig config() {
        return MetricsConfig.builder()
                .scoping(s -> s.clearTagName().clearDefaultValue())
                .build();
    }

    public static Counter counter(MeterRegistry registry, String name, String help, Tag... tags) {
        return registry.getOrCreate(Counter.builder(name).description(help).tags(List.of(tags)));
    }

    public static Timer latency(MeterRegistry registry, String name, String help, Tag... tags) {
        return registry.getOrCreate(Timer.builder(name)
                .description(help)
                .tags(List.of(tags))
                .buckets(LATENCY_BUCKETS.toArray(Duration[]::new))
                .percentiles(new double[0]));
    }

    public static Tag tag(String key, String value) {
        return Tag.create(key, value);
    }

    /** Removes every meter carrying {@code key=value} (a deleted topic or group leaves the scrape). */
    public static void removeLabelled(MeterRegistry registry, String key, String value) {
        List<Meter> doomed = new ArrayList<>(registry.meters(m -> value.equals(tagValue(m, key))));
        for (Meter m : doomed) {
            registry.remove(m);
        }
    }

    static String withoutMaxFamilies(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf('\n', at);
            end = end < 0 ? text.length() : end + 1;
            if (!isMaxFamilyLine(text, at, end)) {
                out.append(text, at, end);
            }
            at = end;
        }
        return out.toString();
    }

    /** {@code # HELP name ...}, {@code # TYPE name ...} or a sample {@code name{...} value} of a max family. */
    private static boolean isMaxFamilyLine(String text, int start, int end) {
        int nameAt = start;
        if (text.startsWith("# HELP ", start) || text.startsWith("# TYPE ", start)) {
            nameAt = start + 7;
        } else if (text.startsWith("#", start)) {
            return false;
        }
        int nameEnd = nameAt;
        while (nameEnd < end && text.charAt(nameEnd) != ' ' && text.charAt(nameEnd) != '{'
                && text.charAt(nameEnd) != '\n') {
            nameEnd++;
        }
        return nameEnd > nameAt && text.startsWith("_max", nameEnd - 4)
                && MAX_FAMILIES.contains(text.substring(nameAt, nameEnd));
    }

    static String tagValue(Meter meter, String key) {
        for (Tag t : meter.id().tags()) {
            if (t.key().equals(key)) {
                return t.value();
            }
        }
        return null;
    }

    /** The families Micrometer adds beside each latency histogram and {@link #prometheusText} leaves out. */
    static final java.util.Set<String> MAX_FAMILIES = java.util.Set.of(PRODUCE_LATENCY + "_max",
            CONSUME_LATENCY + "_max", STORAGE_SYNC_LATENCY + "_max");

    /**
     * The registry in the Prometheus text format 0.0.4, as Helidon's own metrics endpoint prints it, without the
     * {@link #MAX_FAMILIES} (their {@code # HELP}, {@code # TYPE} and sample lines).
     */
    public static String prometheusText(MeterRegistry registry) {
        for (MeterRegistryFormatterProvider provider : ServiceLoader.load(MeterRegistryFormatterProvider.class)) {
            Optional<MeterRegistryFormatter> formatter = provider.formatter(MediaTypes.TEXT_PLAIN,
                    MetricsConfig.create(), registry, Optional.empty(), List.of(), List.of());
            if (formatter.isPresent()) {
                return withoutMaxFamilies(formatter.get().format().map(Object::toString).orElse(""));
            }
        }
        throw new IllegalStateException("no Helidon metrics formatter for text/plain on the module path "
                + "(helidon-metrics-providers-micrometer missing?)");
    }
}
