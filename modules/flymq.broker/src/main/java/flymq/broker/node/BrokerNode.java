package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.BrokerView;
import flymq.broker.auth.AuthRequests;
import flymq.broker.cluster.ClusterRequests;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.cluster.SingleNodeLeadership;
import flymq.broker.fetch.ConsumeHandler;
import flymq.broker.fetch.FetchHandler;
import flymq.broker.fetch.SeekToTimestampHandler;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.group.GroupRequests;
import flymq.broker.observe.BrokerTelemetry;
import flymq.broker.observe.RequestTracing;
import flymq.broker.produce.LocalAcknowledger;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.produce.ProduceHandler;
import flymq.protocol.Opcodes;
import flymq.broker.fetch.BatchFetchHandler;
import flymq.broker.produce.BatchProduceHandler;
import flymq.protocol.ExtensionOpcodes;
import flymq.broker.replication.ClusterMembers;
import flymq.broker.replication.ClusterTuning;
import flymq.broker.replication.MetadataCluster;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.HandlerRegistry;
import flymq.broker.server.ProtocolServer;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicRequests;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.OffsetStore;
import flymq.storage.StorageListener;
import flymq.storage.SyncPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one place where a broker node is assembled: configuration → log store → topics → consumer groups → request
 * handlers → protocol server. {@link #close()} shuts down in reverse order after in-flight requests are answered.
 */
public final class BrokerNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BrokerNode.class.getName());

    private final BrokerConfig config;
    private final DataDirLock dataDirLock;
    private final LogStore store;
    private final TopicManager topics;
    private final GroupCoordinator groups;
    private final ProtocolServer server;
    private final ScheduledExecutorService housekeeping;
    private final BrokerStateView view;
    private final BrokerTelemetry telemetry; // null when started with caller-supplied listeners
    private final MetadataCluster cluster; // null on a single node (no peers)
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean ready;
    private volatile boolean closed;

    /**
     * Starts a node as `flymq server start` runs it: with its telemetry (metrics on {@code observability.metrics.addr},
     * health on {@code observability.health.addr}, tracing as configured) fed by the node's listeners.
     */
    public static BrokerNode start(BrokerConfig config) {
        BrokerTelemetry telemetry = BrokerTelemetry.start(config.observability(), config.dataDir());
        try {
            return new BrokerNode(config, telemetry.listener(), telemetry.storageListener(), telemetry);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
    }

    public static BrokerNode start(BrokerConfig config, BrokerListener listener) {
        return start(config, listener, StorageListener.NONE);
    }

    /**
     * Opens the data directory (recovering logs, topics and groups), binds the listener and starts serving.
     *
     * @throws UncheckedIOException when the data directory or the port cannot be used
     */
    public static BrokerNode start(BrokerConfig config, BrokerListener listener, StorageListener storageListener) {
        return new BrokerNode(config, listener, storageListener, null, ClusterTuning.DEFAULT);
    }

    /**
     * In-process cluster tests: a node whose cluster transport and Raft settings are adjusted by {@code tuning}.
     * {@link ClusterTuning}'s package is not exported, so only this module and its tests can call it.
     */
    public static BrokerNode start(BrokerConfig config, BrokerListener listener, ClusterTuning tuning) {
        return new BrokerNode(config, listener, StorageListener.NONE, null, tuning);
    }

    private BrokerNode(BrokerConfig config, BrokerListener listener, StorageListener storageListener,
                       BrokerTelemetry telemetry) {
        this(config, listener, storageListener, telemetry, ClusterTuning.DEFAULT);
    }

    private BrokerNode(BrokerConfig config, BrokerListener listener, StorageListener storageListener,
                       BrokerTelemetry telemetry, ClusterTuning tuning) {
        this.config = config;
        this.telemetry = telemetry;
        LogLevels.apply(config.logLevel());
        Path dataDir = config.dataDir();
        try {
            Files.createDirectories(dataDir.resolve("groups"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dataDir.toAbsolutePath(), e);
        }
        dataDirLock = DataDirLock.acquire(dataDir);
        LogConfig logDefaults = logDefaults(config);
        int[] boundPort = {config.bindPort()};
        // Cluster (peers configured): leadership and topic create/delete come from the metadata Raft group.
        cluster = ClusterMembers.configured(config) ? new MetadataCluster(config, ClusterMembers.from(config),
                () -> advertisedAddr(config, boundPort[0]), tuning) : null;
        PartitionLeadership leadership = cluster != null ? cluster.leadership()
                : new SingleNodeLeadership(config.nodeId(), () -> advertisedAddr(config, boundPort[0]),
                config.clusterAddr());
        ProduceAcknowledger acknowledger = cluster != null ? cluster.acknowledger() : new LocalAcknowledger();
        RequestTracing tracing = telemetry == null ? RequestTracing.OFF : telemetry.requestTracing(cluster != null);
        if (cluster != null && telemetry != null) {
            // Raft state from an earlier run: the term it restores is not an election this node saw.
            cluster.observe(telemetry.raftListener(Files.isDirectory(dataDir.resolve("raft"))));
        }

        OffsetStore offsets = null;
        LogStore opened = null;
        try {
            opened = LogStore.open(dataDir, logDefaults, storageListener);
        } catch (RuntimeException e) {
            dataDirLock.close();
            throw e;
        }
        store = opened;
        try {
            // In a cluster a topic exists only through the metadata group, so no local auto-create.
            topics = TopicManager.open(store, dataDir, logDefaults, config.autoCreateTopics() && cluster == null,
                    config.defaultPartitions(),
                    // in a cluster the metadata leader checks the factor against the members of the moment
                    cluster == null ? leadership.nodes().size() : Integer.MAX_VALUE, listener);
            offsets = OffsetStore.open(dataDir.resolve("groups").resolve("offsets.log"));
            groups = new GroupCoordinator(offsets, topics, listener, config.groups().sessionTimeoutMs());
        } catch (RuntimeException e) {
            if (offsets != null) {
                offsets.close();
            }
            store.close();
            dataDirLock.close();
            throw e;
        }

        GroupRequests groupRequests = new GroupRequests(groups, config.nodeId());
        TopicRequests topicRequests = new TopicRequests(topics, leadership);
        ClusterRequests clusterRequests = new ClusterRequests(topics, leadership, () -> ready);
        AuthRequests auth = new AuthRequests();
        RequestHandler createTopic = cluster == null ? topicRequests::create : cluster::createTopic;
        RequestHandler deleteTopic = cluster == null ? topicRequests::delete : cluster::deleteTopic;
        FetchHandler fetch = new FetchHandler(topics, listener, tracing);
        ConsumeHandler consume = new ConsumeHandler(topics, listener, tracing);
        HandlerRegistry handlers = new HandlerRegistry()
                .register(Opcodes.PRODUCE, routed(Opcodes.PRODUCE,
                        new ProduceHandler(topics, leadership, acknowledger, config.performance().acks(),
                                listener, tracing)))
                .register(Opcodes.CONSUME, routed(Opcodes.CONSUME, consume))
                .register(Opcodes.CONSUME_ZERO_COPY, routed(Opcodes.CONSUME_ZERO_COPY, consume))
                .register(Opcodes.FETCH, routed(Opcodes.FETCH, fetch))
                .register(Opcodes.FETCH_BINARY, routed(Opcodes.FETCH_BINARY, fetch))
                .register(Opcodes.CREATE_TOPIC, createTopic)
                .register(Opcodes.DELETE_TOPIC, deleteTopic)
                .register(Opcodes.LIST_TOPICS, topicRequests::list)
                .register(Opcodes.METADATA, topicRequests::metadata)
                .register(Opcodes.SUBSCRIBE, groupRequests::subscribe)
                .register(Opcodes.COMMIT, cluster == null ? groupRequests::commit : cluster::commitOffset)
                .register(Opcodes.GET_OFFSET, groupRequests::getOffset)
                .register(Opcodes.RESET_OFFSET, cluster == null ? groupRequests::resetOffset : cluster::resetOffset)
                .register(Opcodes.LIST_GROUPS, groupRequests::listGroups)
                .register(Opcodes.DESCRIBE_GROUP, groupRequests::describeGroup)
                .register(Opcodes.GET_LAG, groupRequests::getLag)
                .register(Opcodes.DELETE_GROUP, cluster == null ? groupRequests::deleteGroup : cluster::deleteGroup)
                .register(Opcodes.SEEK_TO_TIMESTAMP, new SeekToTimestampHandler(topics))
                .register(Opcodes.CLUSTER_STATUS, clusterRequests::status)
                .register(Opcodes.CLUSTER_METADATA, clusterRequests::metadata)
                .register(Opcodes.AUTH, Opcodes.AUTH_RESPONSE, auth::auth)
                .register(Opcodes.WHOAMI, Opcodes.WHOAMI_RESPONSE, auth::whoami)
                .register(ExtensionOpcodes.BATCH_PRODUCE, routed(ExtensionOpcodes.BATCH_PRODUCE,
                        new BatchProduceHandler(topics, leadership, acknowledger, listener, tracing)))
                .register(ExtensionOpcodes.BATCH_FETCH, routed(ExtensionOpcodes.BATCH_FETCH,
                        new BatchFetchHandler(topics, listener, tracing)));

        if (cluster != null) {
            handlers.register(MetadataCluster.CLUSTER_REGISTER, cluster::register);
            handlers.register(MetadataCluster.CLUSTER_MEMBERSHIP, cluster::changeMembership);
        } else {
            handlers.register(MetadataCluster.CLUSTER_MEMBERSHIP, (session, in, out) -> {
                throw new flymq.protocol.RequestException("node " + config.nodeId()
                        + " runs as a single broker (no peers configured): its cluster membership cannot change");
            });
        }
        housekeeping = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("flymq-housekeeping").daemon(true).factory());
        try {
            server = ProtocolServer.start(config.bindHost(), config.bindPort(), handlers, listener,
                    groups::leaveAll, Duration.ofMillis(config.network().idleTimeoutMs()),
                    Duration.ofMillis(config.network().writeTimeoutMs()), housekeeping,
                    ProtocolServer.DEFAULT_PLATFORM_CONNECTIONS, Duration.ofNanos(config.network().readSpinMicros() * 1000));
        } catch (IOException e) {
            housekeeping.shutdownNow();
            groups.close();
            store.close();
            dataDirLock.close();
            throw new UncheckedIOException(e);
        }
        boundPort[0] = server.port();
        if (cluster != null) {
            try {
                cluster.start(topics, groups);
            } catch (RuntimeException e) {
                server.close();
                housekeeping.shutdownNow();
                groups.close();
                store.close();
                throw e;
            }
        }
        housekeeping.scheduleWithFixedDelay(() -> groups.expireMembers(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
        view = new BrokerStateView(config, topics, groups, server, () -> ready);
        ready = true;
        if (telemetry != null) {
            if (cluster != null) {
                telemetry.attachCluster(cluster.group());
            }
            telemetry.attach(view);
        }
        LOG.log(System.Logger.Level.INFO, "broker " + config.nodeId() + " serving on port " + server.port()
                + ", data in " + dataDir.toAbsolutePath());
    }

    /** In a cluster, partition requests go to the node owning the partition; on a single node, unchanged. */
    private RequestHandler routed(int opcode, RequestHandler local) {
        return cluster == null ? local : cluster.routed(opcode, local, topics);
    }

    static LogConfig logDefaults(BrokerConfig config) {
        long syncMs = config.performance().syncIntervalMs();
        return LogConfig.defaults()
                .withSegmentBytes(config.segmentBytes())
                .withRetentionBytes(config.retentionBytes())
                .withRetentionMs(config.retentionMs())
                .withSyncPolicy(syncMs == 0 ? SyncPolicy.EVERY_BATCH : SyncPolicy.INTERVAL)
                .withSyncIntervalMs(syncMs == 0 ? LogConfig.defaults().syncIntervalMs() : syncMs);
    }

    private static String advertisedAddr(BrokerConfig config, int port) {
        if (!config.advertisedAddr().isEmpty()) {
            return config.advertisedAddr();
        }
        String host = config.bindHost();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "localhost";
        }
        return host + ":" + port;
    }

    public BrokerConfig config() {
        return config;
    }

    /** The metadata Raft group's member when this node runs in a cluster (peers configured). */
    public java.util.Optional<flymq.raft.RaftGroup<Boolean>> metadataGroup() {
        return cluster == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(cluster.group());
    }

    public BrokerView view() {
        return view;
    }

    /** The port actually bound (useful with port 0). */
    public int boundPort() {
        return server.port();
    }

    /** The bound metrics port, when this node serves telemetry (started by {@link #start(BrokerConfig)}). */
    public java.util.OptionalInt metricsPort() {
        return telemetry == null || telemetry.metricsPort() < 0 ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(telemetry.metricsPort());
    }

    /** The bound health port, when this node serves telemetry (started by {@link #start(BrokerConfig)}). */
    public java.util.OptionalInt healthPort() {
        return telemetry == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(telemetry.healthPort());
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /**
     * Graceful shutdown: stop accepting, answer the requests being served, flush and close connections, then
     * close group state and flush and close every log. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        if (telemetry != null) {
            telemetry.shuttingDown();
        }
        try {
            server.close();
            if (cluster != null) {
                cluster.close();
            }
            housekeeping.shutdownNow();
            groups.close();
            store.close();
        } finally {
            dataDirLock.close();
            try {
                if (telemetry != null) {
                    telemetry.close(); // last: flushes spans of the requests answered above
                }
            } finally {
                stopped.countDown();
            }
        }
        LOG.log(System.Logger.Level.INFO, "broker " + config.nodeId() + " stopped");
    }
}
