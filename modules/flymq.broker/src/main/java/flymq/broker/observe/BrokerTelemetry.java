package flymq.broker.observe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.BrokerView;
import flymq.storage.StorageListener;
import flymq.telemetry.FlyMqMetrics;
import flymq.telemetry.FlyMqTracing;
import flymq.telemetry.StateSource;
import flymq.telemetry.Telemetry;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TelemetryConfig;
import flymq.telemetry.TracingConfig;

/**
 * A node's telemetry as the broker sees it: starts {@link Telemetry} from the {@code observability} block, turns
 * {@link BrokerListener} and {@link StorageListener} events into metrics, and serves {@link BrokerView} as the
 * state read at scrape time.
 *
 * <p>It starts before the node is built (so the storage listener exists when the log store opens) and is
 * {@link #attach attached} to the node's view once there is one; until then the node reports not ready and no
 * topics, which is what {@code /ready} should say during recovery.
 */
public final class BrokerTelemetry implements AutoCloseable {

    private final Telemetry telemetry;
    private final FlyMqMetrics metrics;
    private final ViewState state;
    private final BrokerListener listener;
    private final StorageListener storageListener;

    private BrokerTelemetry(Telemetry telemetry, ViewState state) {
        this.telemetry = telemetry;
        this.metrics = telemetry.metrics();
        this.state = state;
        this.listener = new MetricsListener(metrics, telemetry.tracing());
        this.storageListener = new StorageMetrics(metrics);
    }

    /** Binds the metrics and health listeners of {@code config}; fails naming the address that is taken. */
    public static BrokerTelemetry start(BrokerConfig.Observability config, Path dataDir) {
        BrokerConfig.Tracing t = config.tracing();
        TracingConfig tracing = new TracingConfig(t.enabled(), t.endpoint(), t.sampleRate(), t.serviceName(),
                TracingConfig.Protocol.parse(t.protocol()));
        TelemetryConfig telemetryConfig = new TelemetryConfig(config.metrics().addr(), config.health().addr(),
                tracing, version());
        ViewState state = new ViewState(dataDir);
        return new BrokerTelemetry(Telemetry.start(telemetryConfig, state), state);
    }

    /** The node's view is ready to be read: scrapes and health probes use it from now on. */
    public void attach(BrokerView view) {
        state.view = view;
    }

    /** Hot-path hooks for the broker's request handlers. */
    public BrokerListener listener() {
        return listener;
    }

    /** Hooks for the log store: bytes written and read per partition, fsync latency. */
    public StorageListener storageListener() {
        return storageListener;
    }

    /** Spans for produce, fetch, consume, commit and storage; a no-op when tracing is off. */
    public FlyMqTracing tracing() {
        return telemetry.tracing();
    }

    public int metricsPort() {
        return telemetry.metricsPort();
    }

    public int healthPort() {
        return telemetry.healthPort();
    }

    /** A graceful stop has begun: readiness turns 503 while the node drains. */
    public void shuttingDown() {
        telemetry.shuttingDown();
    }

    @Override
    public void close() {
        telemetry.close();
    }

    static String version() {
        return BrokerTelemetry.class.getModule().getDescriptor() == null ? "unknown"
                : BrokerTelemetry.class.getModule().getDescriptor().rawVersion().orElse("unknown");
    }

    /**
     * Broker events to metrics (cached-meter updates) and to spans. The listener hears of an operation when it has
     * finished, so its span is recorded backdated by the reported latency; with tracing off that is an empty call.
     * A fetch outside any group is {@code flymq.fetch}, a group's read {@code flymq.consume}.
     */
    private static final class MetricsListener implements BrokerListener {
        private final FlyMqMetrics m;
        private final FlyMqTracing tracing;

        MetricsListener(FlyMqMetrics m, FlyMqTracing tracing) {
            this.m = m;
            this.tracing = tracing;
        }

        @Override
        public void connectionOpened() {
            m.connectionOpened();
        }

        @Override
        public void produced(String topic, int partition, int records, long bytes, long latencyNanos) {
            m.produced(topic, partition, records, bytes, latencyNanos);
            tracing.completed(TraceOp.PRODUCE, topic, partition, "", bytes, latencyNanos, null);
        }

        @Override
        public void consumed(String topic, int partition, String group, int records, long bytes, long latencyNanos) {
            m.consumed(topic, partition, group, records, bytes, latencyNanos);
            tracing.completed(group.isEmpty() ? TraceOp.FETCH : TraceOp.CONSUME, topic, partition, group, bytes,
                    latencyNanos, null);
        }

        @Override
        public void committed(String group, String topic, int partition, long offset) {
            m.committed(group, topic, partition, offset);
            tracing.completed(TraceOp.COMMIT, topic, partition, group, 0, 0, null);
        }

        @Override
        public void memberJoined(String group, String topic) {
            m.rebalanced(group);
        }

        @Override
        public void memberLeft(String group, String topic) {
            m.rebalanced(group);
        }

        @Override
        public void topicDeleted(String topic) {
            m.topicDeleted(topic);
        }

        @Override
        public void groupDeleted(String group, String topic) {
            m.groupDeleted(group);
        }
    }

    private static final class StorageMetrics implements StorageListener {
        private final FlyMqMetrics m;

        StorageMetrics(FlyMqMetrics m) {
            this.m = m;
        }

        @Override
        public void bytesWritten(String topic, int partition, long bytes) {
            m.storageWritten(topic, partition, bytes);
        }

        @Override
        public void bytesRead(String topic, int partition, long bytes) {
            m.storageRead(topic, partition, bytes);
        }

        @Override
        public void fsyncCompleted(long nanos) {
            m.storageSynced(nanos);
        }
    }

    /**
     * The broker's view in telemetry's terms. The broker scopes a consumer group by (topic, group id); the guide's
     * metrics are by group, so members are the distinct member ids across the group's topics.
     */
    static final class ViewState implements StateSource {
        private final Path dataDir;
        volatile BrokerView view;

        ViewState(Path dataDir) {
            this.dataDir = dataDir;
        }

        @Override
        public int activeConnections() {
            BrokerView v = view;
            return v == null ? 0 : v.activeConnections();
        }

        @Override
        public List<TopicState> topics() {
            BrokerView v = view;
            if (v == null) {
                return List.of();
            }
            List<TopicState> out = new ArrayList<>();
            for (BrokerView.TopicInfo t : v.topics()) {
                List<PartitionState> parts = new ArrayList<>(t.partitions().size());
                for (BrokerView.PartitionInfo p : t.partitions()) {
                    // endOffset is the next offset to assign: the newest stored is one before it
                    parts.add(new PartitionState(p.partition(), p.startOffset(), p.endOffset() - 1,
                            Math.max(0, p.endOffset() - p.startOffset()), p.sizeBytes(), p.segmentCount()));
                }
                out.add(new TopicState(t.name(), parts));
            }
            return out;
        }

        @Override
        public List<GroupState> groups() {
            BrokerView v = view;
            if (v == null) {
                return List.of();
            }
            Map<String, Set<String>> members = new LinkedHashMap<>();
            Map<String, List<GroupPartitionState>> lag = new LinkedHashMap<>();
            for (BrokerView.GroupInfo g : v.groups()) {
                members.computeIfAbsent(g.group(), k -> new LinkedHashSet<>()).addAll(g.members());
                List<GroupPartitionState> l = lag.computeIfAbsent(g.group(), k -> new ArrayList<>());
                for (BrokerView.GroupPartitionInfo p : g.partitions()) {
                    l.add(new GroupPartitionState(g.topic(), p.partition(), p.committedOffset(), p.lag()));
                }
            }
            List<GroupState> out = new ArrayList<>(members.size());
            members.forEach((group, ids) -> out.add(new GroupState(group, ids.size(), lag.get(group))));
            return out;
        }

        @Override
        public ClusterState cluster() {
            BrokerView v = view;
            return ClusterState.singleNode(v == null ? "unknown" : v.nodeId());
        }

        @Override
        public boolean ready() {
            BrokerView v = view;
            return v != null && v.ready();
        }

        @Override
        public Path dataDir() {
            BrokerView v = view;
            return v == null ? dataDir : v.dataDir();
        }
    }
}
