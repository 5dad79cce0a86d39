package flymq.broker.observe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.BrokerView;
import flymq.raft.RaftGroup;
import flymq.raft.RaftListener;
import flymq.raft.RaftMember;
import flymq.storage.StorageListener;
import flymq.telemetry.FlyMqMetrics;
import flymq.telemetry.FlyMqTracing;
import flymq.telemetry.StateSource;
import flymq.telemetry.Telemetry;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TelemetryConfig;
import flymq.telemetry.HttpTls;
import flymq.broker.tls.ServerTls;
import flymq.protocol.tls.TlsContexts;
import flymq.protocol.tls.TlsContexts.ClientAuth;
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
    private ServerTls metricsTls;
    private ServerTls healthTls;

    private BrokerTelemetry(Telemetry telemetry, ViewState state) {
        this.telemetry = telemetry;
        this.metrics = telemetry.metrics();
        this.state = state;
        boolean metricsOn = telemetry.metricsEnabled();
        // Metrics off: the request path makes no meter calls at all (only commit spans remain, when tracing is on).
        this.listener = metricsOn || telemetry.tracing().enabled()
                ? new MetricsListener(metricsOn ? metrics : null, telemetry.tracing()) : BrokerListener.NONE;
        this.storageListener = metricsOn ? new StorageMetrics(metrics) : StorageListener.NONE;
    }

    /** Binds the metrics and health listeners of {@code config}; fails naming the address that is taken. */
    public static BrokerTelemetry start(BrokerConfig.Observability config, Path dataDir) {
        return start(config, dataDir, lost -> { });
    }

    /**
     * Like {@link #start(BrokerConfig.Observability, Path)}; {@code listenerLost} hears (once per listener) that the
     * metrics or health listener stopped without {@link #close()}, e.g. after an {@code Error} in its accept loop.
     */
    public static BrokerTelemetry start(BrokerConfig.Observability config, Path dataDir,
                                        java.util.function.Consumer<String> listenerLost) {
        return start(config, dataDir, listenerLost, null, null);
    }

    /**
     * Like {@link #start(BrokerConfig.Observability, Path, java.util.function.Consumer)}, serving HTTPS on the
     * metrics and/or health listener with these certificates (null: plain HTTP); {@link #reloadTlsIfChanged}
     * picks up renewed files.
     */
    public static BrokerTelemetry start(BrokerConfig.Observability config, Path dataDir,
                                        java.util.function.Consumer<String> listenerLost, ServerTls metricsTls,
                                        ServerTls healthTls) {
        return start(config, dataDir, listenerLost, metricsTls, healthTls, false);
    }

    private static BrokerTelemetry start(BrokerConfig.Observability config, Path dataDir,
                                         java.util.function.Consumer<String> listenerLost, ServerTls metricsTls,
                                         ServerTls healthTls, boolean background) {
        BrokerConfig.Tracing t = config.tracing();
        TracingConfig tracing = new TracingConfig(t.enabled(), t.endpoint(), t.sampleRate(), t.serviceName(),
                TracingConfig.Protocol.parse(t.protocol()));
        TelemetryConfig telemetryConfig = new TelemetryConfig(config.metrics().enabled(), config.metrics().addr(),
                config.health().addr(), tracing, version(), http(metricsTls), http(healthTls));
        ViewState state = new ViewState(dataDir);
        BrokerTelemetry started = new BrokerTelemetry(background
                ? Telemetry.startListening(telemetryConfig, state, listenerLost)
                : Telemetry.start(telemetryConfig, state, listenerLost), state);
        started.metricsTls = metricsTls;
        started.healthTls = healthTls;
        return started;
    }

    /**
     * Like {@link #start(BrokerConfig.Observability, Path, java.util.function.Consumer, ServerTls, ServerTls)}, with
     * the listeners starting on a thread of their own while the node opens its logs; {@link #awaitListening()}
     * before the node is ready.
     */
    public static BrokerTelemetry startListening(BrokerConfig.Observability config, Path dataDir,
                                                 java.util.function.Consumer<String> listenerLost,
                                                 ServerTls metricsTls, ServerTls healthTls) {
        return start(config, dataDir, listenerLost, metricsTls, healthTls, true);
    }

    /** Waits until the metrics and health listeners serve; throws what their start failed with. */
    public void awaitListening() {
        telemetry.awaitListening();
    }

    private static HttpTls http(ServerTls tls) {
        return tls == null ? null
                : new HttpTls(tls.key(), tls.chain(), TlsContexts.serverParameters(tls.context(), ClientAuth.NONE));
    }

    /** Whether a listener serves HTTPS from files that {@link #reloadTlsIfChanged} watches. */
    public boolean servesHttps() {
        return metricsTls != null || healthTls != null;
    }

    /** Serves renewed certificate files on the HTTPS listeners (new connections); a broken set keeps the old. */
    public void reloadTlsIfChanged() {
        boolean metrics = metricsTls != null && metricsTls.reloadIfChanged();
        boolean health = healthTls != null && (healthTls == metricsTls ? metrics : healthTls.reloadIfChanged());
        if (metrics || health) {
            telemetry.reloadTls(metrics ? http(metricsTls) : null, health ? http(healthTls) : null);
        }
    }

    /** Serves {@code view}'s read-only resources on the metrics listener (the schema registry's REST view). */
    public void addView(flymq.telemetry.HttpView view) {
        telemetry.addView(view);
    }

    /** The node's view is ready to be read: scrapes and health probes use it from now on. */
    public void attach(BrokerView view) {
        state.view = view;
    }

    /**
     * In a cluster: scrapes and {@code /health} read the metadata Raft group from now on (nodes, leader, term,
     * commit index, {@code authFailures}, the cluster transport's refused connections, and the reassignments in
     * progress); elections are counted
     * by {@link #raftListener()}.
     */
    public void attachCluster(RaftGroup<?> metadataGroup, LongSupplier authFailures, LongSupplier reassignments) {
        state.authFailures = authFailures;
        state.reassignments = reassignments;
        state.metadataGroup = metadataGroup;
    }

    /**
     * Hears the metadata group's term changes (for {@code flymq_raft_elections_total}); give it to the group.
     *
     * @param restored the node starts from Raft state of an earlier run (its restored term is not an election)
     */
    public RaftListener raftListener(boolean restored) {
        ElectionCounter counter = new ElectionCounter(restored);
        state.elections = counter;
        return counter;
    }

    /** Spans of the request handlers; {@code replicated} in a cluster (appends go through a Raft group). */
    public RequestTracing requestTracing(boolean replicated) {
        return new RequestTracing(telemetry.tracing(), replicated);
    }

    /** Traffic totals since start, summed over the meters (all zero while metrics are off). */
    public FlyMqMetrics.Totals traffic() {
        return metrics.totals();
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

    /** The bound metrics port, or -1 when {@code observability.metrics.enabled} is false. */
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

    public static String version() {
        return BrokerTelemetry.class.getModule().getDescriptor() == null ? "unknown"
                : BrokerTelemetry.class.getModule().getDescriptor().rawVersion().orElse("unknown");
    }

    /**
     * Broker events to metrics (cached-meter updates; {@code m} is null when metrics are off). Produce, fetch and
     * consume spans are started by the request handlers themselves (see {@link RequestTracing}); a commit is
     * recorded here as a {@code flymq.commit} span once it is durable.
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
            if (m != null) {
                m.connectionOpened();
            }
        }

        @Override
        public void transactionBegun() {
            if (m != null) {
                m.transactionBegun();
            }
        }

        @Override
        public void transactionEnded(String outcome, long durationMs) {
            if (m != null) {
                m.transactionEnded(outcome);
            }
        }

        @Override
        public void connectionRefused(String limit) {
            if (m != null) {
                m.connectionRefused(limit);
            }
        }

        @Override
        public void loginFailed(String reason) {
            if (m != null) {
                m.loginFailed(reason);
            }
        }

        @Override
        public void requestDenied(String operation) {
            if (m != null) {
                m.requestDenied(operation);
            }
        }

        @Override
        public void produced(String topic, int partition, int records, long bytes, long latencyNanos) {
            if (m != null) {
                m.produced(topic, partition, records, bytes, latencyNanos);
            }
        }

        @Override
        public void consumed(String topic, int partition, String group, int records, long bytes, long latencyNanos) {
            if (m != null) {
                m.consumed(topic, partition, group, records, bytes, latencyNanos);
            }
        }

        @Override
        public void committed(String group, String topic, int partition, long offset) {
            if (m != null) {
                m.committed(group, topic, partition, offset);
            }
            tracing.completed(TraceOp.COMMIT, topic, partition, group, 0, 0, null);
        }

        @Override
        public void memberJoined(String group, String topic) {
            if (m != null) {
                m.rebalanced(group);
            }
        }

        @Override
        public void memberLeft(String group, String topic) {
            if (m != null) {
                m.rebalanced(group);
            }
        }

        @Override
        public void topicDeleted(String topic) {
            if (m != null) {
                m.topicDeleted(topic);
            }
        }

        @Override
        public void groupDeleted(String group, String topic) {
            if (m != null) {
                m.groupDeleted(group);
            }
        }

        @Override
        public void deadLettered(String topic, String reason) {
            if (m != null) {
                m.deadLettered(topic, reason);
            }
        }

        @Override
        public void dlqReplayed(String topic) {
            if (m != null) {
                m.dlqReplayed(topic);
            }
        }

        @Override
        public void schemaRejected(String topic, String subject, String mode) {
            if (m != null) {
                m.schemaRejected(topic, mode);
            }
        }
    }

    /**
     * Counts leader elections of the metadata group as this node observes them: each Raft term begins with one
     * election, so a term increase of n is n elections (terms a node skips, e.g. while it was cut off, were
     * elections too). A node that starts without Raft state counts its first observed term in full (term 3 after
     * two split votes is three elections); a restarted node takes the term it restored from disk as its baseline.
     */
    static final class ElectionCounter implements RaftListener {
        private final java.util.concurrent.atomic.AtomicLong elections = new java.util.concurrent.atomic.AtomicLong();
        private final boolean restored;
        private int lastTerm;
        private boolean seen;

        ElectionCounter(boolean restored) {
            this.restored = restored;
        }

        @Override
        public synchronized void onTermChange(String groupId, int term) {
            int from = seen ? lastTerm : (restored ? term : 0);
            seen = true;
            if (term > from) {
                elections.addAndGet(term - from);
            }
            lastTerm = Math.max(lastTerm, term);
        }

        long elections() {
            return elections.get();
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

        @Override
        public void storageFailed(String kind) {
            m.storageFailed(kind);
        }
    }

    /**
     * The broker's view in telemetry's terms. The broker scopes a consumer group by (topic, group id); the guide's
     * metrics are by group, so members are the distinct member ids across the group's topics.
     */
    static final class ViewState implements StateSource {
        private final Path dataDir;
        volatile ElectionCounter elections = new ElectionCounter(false);
        volatile BrokerView view;
        volatile RaftGroup<?> metadataGroup;
        volatile LongSupplier authFailures = () -> 0;
        volatile LongSupplier reassignments = () -> 0;

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
        public Map<String, Long> dlqDepths() {
            BrokerView v = view;
            return v == null ? Map.of() : v.dlqDepths();
        }

        @Override
        public TimedRecordsState timedRecords() {
            BrokerView v = view;
            if (v == null) {
                return TimedRecordsState.NONE;
            }
            BrokerView.TimedRecords t = v.timedRecords();
            return new TimedRecordsState(t.delayedPending(), t.delayedDelivered(), t.delayedCancelled(),
                    t.delayedDropped(), t.expiredSkipped());
        }

        @Override
        public ClusterState cluster() {
            BrokerView v = view;
            RaftGroup<?> g = metadataGroup;
            if (g == null) {
                return ClusterState.singleNode(v == null ? "unknown" : v.nodeId());
            }
            String leader = g.leader().map(RaftMember::id).orElse("");
            return new ClusterState(g.members().size(), g.localMember().id(), leader, g.term(), g.commitIndex(),
                    elections.elections(), authFailures.getAsLong(), reassignments.getAsLong());
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
