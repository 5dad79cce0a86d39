package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.BrokerView;
import flymq.broker.DataDirLayout;
import flymq.admin.AdminBackend;
import flymq.admin.AdminConfig;
import flymq.admin.AdminServer;
import flymq.admin.Authenticator;
import flymq.broker.admin.BrokerAdminBackend;
import flymq.broker.admin.UserAuthenticator;
import flymq.broker.audit.AuditRequests;
import flymq.broker.audit.AuditTrail;
import flymq.broker.auth.AccessGuard;
import flymq.broker.auth.AccessRules;
import flymq.broker.auth.AuthRequests;
import flymq.broker.auth.Authorizer;
import flymq.broker.auth.PasswordHasher;
import flymq.broker.auth.Permission;
import flymq.broker.auth.SecurityRequests;
import flymq.broker.auth.SecurityStore;
import flymq.broker.cluster.ClusterRequests;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.cluster.RoutedRequest;
import flymq.broker.delay.DelayedCounts;
import flymq.broker.delay.DelayedDelivery;
import flymq.broker.delay.PartitionSchedule;
import flymq.broker.replication.ClusterDelayed;
import flymq.protocol.message.CancelDelayedRequest;
import flymq.broker.dlq.DeadLetters;
import flymq.broker.dlq.DlqRequests;
import flymq.broker.dlq.RetryGate;
import flymq.broker.dlq.RetryHolds;
import flymq.broker.delay.DelayedRequests;
import flymq.broker.fetch.BatchFetchHandler;
import flymq.broker.fetch.ConsumeHandler;
import flymq.broker.fetch.FetchHandler;
import flymq.broker.fetch.SeekToTimestampHandler;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.group.GroupRequests;
import flymq.broker.observe.BrokerTelemetry;
import flymq.broker.observe.RequestTracing;
import flymq.broker.produce.BatchProduceHandler;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.produce.ProduceHandler;
import flymq.broker.replication.ClusterMembers;
import flymq.broker.replication.ClusterTuning;
import flymq.broker.schema.Compatibility;
import flymq.broker.schema.ProduceWithSchemaHandler;
import flymq.broker.schema.RejectedRecords;
import flymq.broker.schema.SchemaHttpView;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.schema.SchemaRequests;
import flymq.broker.schema.SchemaValidation;
import flymq.broker.schema.ValidationMode;
import flymq.broker.server.HandlerRegistry;
import flymq.broker.server.ConnectionLimits;
import flymq.broker.server.ProtocolServer;
import flymq.broker.tls.ServerTls;
import flymq.broker.server.RequestHandler;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicRequests;
import flymq.broker.replication.ClusterTransactions;
import flymq.broker.txn.TransactionCoordinator;
import flymq.broker.txn.TransactionIndex;
import flymq.broker.txn.TransactionRequests;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.RequestException;
import flymq.protocol.message.DlqFetchRequest;
import flymq.protocol.message.RetryHoldRequest;
import flymq.protocol.message.DlqPurgeRequest;
import flymq.protocol.message.DlqReplayRequest;
import flymq.protocol.message.NackRequest;
import flymq.raft.RaftGroup;
import flymq.storage.EncryptionException;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.OffsetStore;
import flymq.storage.StorageListener;
import flymq.storage.SyncPolicy;
import flymq.storage.ValueCipher;
import flymq.telemetry.Telemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The one place where a broker node is assembled: configuration → log store → topics → consumer groups → request
 * handlers → protocol server → cluster member. What differs between a single broker and a cluster member is its
 * {@link NodeMode}; everything opened is registered with one {@link Closer}, so a failed start-up and
 * {@link #close()} release the same resources in reverse order (after in-flight requests are answered).
 */
public final class BrokerNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BrokerNode.class.getName());

    private final BrokerConfig config;
    private final Closer resources = new Closer();
    private final NodeMode mode;
    private final TopicManager topics;
    private final ProtocolServer server;
    private final BrokerStateView view;
    private final int[] servedOpcodes;
    private final BrokerTelemetry telemetry; // null when started with caller-supplied listeners
    private final DelayedDelivery delayed; // null in a cluster
    private final ClusterDelayed clusterDelayed; // null on a single node
    private final AdminServer admin; // null when off, not started (telemetry off) or its default port was taken
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean ready;
    private volatile boolean closed;

    /**
     * Lets a process that is about to {@link #start(BrokerConfig)} a node begin the slowest part of its telemetry's
     * set-up (Helidon's service registry) on another core while it reads the node's configuration.
     */
    public static void prepareStart() {
        Telemetry.prepare();
    }

    /**
     * Starts a node as `flymq server start` runs it: with its telemetry (metrics on {@code observability.metrics.addr},
     * health on {@code observability.health.addr}, tracing as configured) fed by the node's listeners.
     */
    public static BrokerNode start(BrokerConfig config) {
        LogLevels.apply(config.logLevel());
        // The data directory first: a path that cannot hold it fails before any port is bound.
        DataDirLock lock;
        try {
            lock = DataDirLock.acquire(new DataDirLayout(config.dataDir()));
        } catch (RuntimeException e) {
            throw BrokerStartException.of(e);
        }
        // A listener lost during start-up fails the start; after it, the node (stopping itself).
        AtomicReference<BrokerNode> started = new AtomicReference<>();
        AtomicReference<String> lostEarly = new AtomicReference<>();
        Consumer<String> listenerLost = reason -> {
            BrokerNode n = started.get();
            if (n != null) {
                n.fail(reason);
            } else {
                lostEarly.compareAndSet(null, reason);
            }
        };
        BrokerTelemetry telemetry;
        try {
            HttpTlsSetup https = HttpTlsSetup.load(config, new DataDirLayout(config.dataDir()));
            telemetry = BrokerTelemetry.startListening(config.observability(), config.dataDir(), listenerLost,
                    https.metrics(), https.health());
        } catch (RuntimeException e) {
            lock.close();
            throw BrokerStartException.of(e);
        }
        BrokerNode node;
        try {
            node = new BrokerNode(config, telemetry.listener(), telemetry.storageListener(), telemetry,
                    ClusterTuning.DEFAULT, lock, InstantSource.system());
        } catch (RuntimeException e) {
            throw BrokerStartException.of(e); // the node released the lock and telemetry
        }
        try {
            telemetry.awaitListening();
        } catch (RuntimeException e) {
            node.close();
            throw BrokerStartException.of(e);
        }
        started.set(node);
        if (lostEarly.get() != null) {
            node.close();
            throw new BrokerStartException(lostEarly.get() + " while the broker started", null);
        }
        return node;
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
        return new BrokerNode(config, listener, storageListener, null, ClusterTuning.DEFAULT, null,
                InstantSource.system());
    }

    /**
     * Tests of time: a node whose wall clock (record timestamps, TTL expiry, delayed delivery, retention) is
     * {@code clock}, so a test moves time instead of waiting for it.
     */
    public static BrokerNode start(BrokerConfig config, BrokerListener listener, InstantSource clock) {
        return new BrokerNode(config, listener, StorageListener.NONE, null, ClusterTuning.DEFAULT, null, clock);
    }

    /**
     * In-process cluster tests: a node whose cluster transport and Raft settings are adjusted by {@code tuning}.
     * {@link ClusterTuning}'s package is not exported, so only this module and its tests can call it.
     */
    public static BrokerNode start(BrokerConfig config, BrokerListener listener, ClusterTuning tuning) {
        return new BrokerNode(config, listener, StorageListener.NONE, null, tuning, null, InstantSource.system());
    }

    /** In-process cluster tests of time: {@link #start(BrokerConfig, BrokerListener, ClusterTuning)} on {@code clock}. */
    public static BrokerNode start(BrokerConfig config, BrokerListener listener, ClusterTuning tuning,
                                   InstantSource clock) {
        return new BrokerNode(config, listener, StorageListener.NONE, null, tuning, null, clock);
    }

    /**
     * @param telemetry owned by the node from here on: closed last, also when start-up fails
     * @param lock      the data directory's lock when the caller took it (owned by the node from here on), else null
     * @param clock     the node's wall clock
     */
    private BrokerNode(BrokerConfig config, BrokerListener listener, StorageListener storageListener,
                       BrokerTelemetry telemetry, ClusterTuning tuning, DataDirLock lock, InstantSource clock) {
        this.config = config;
        this.telemetry = telemetry;
        if (telemetry != null) {
            resources.push(telemetry);
        }
        try {
            LogLevels.apply(config.logLevel());
            DataDirLayout layout = new DataDirLayout(config.dataDir());
            resources.push(lock != null ? lock : DataDirLock.acquire(layout));
            LogConfig logDefaults = logDefaults(config);
            int[] boundPort = {config.bindPort()};
            mode = ClusterMembers.configured(config)
                    ? new ClusterMode(config, layout, () -> advertisedAddr(config, boundPort[0]), tuning)
                    : new StandaloneMode(config, () -> advertisedAddr(config, boundPort[0]));
            PartitionLeadership leadership = mode.leadership();
            ProduceAcknowledger acknowledger = mode.acknowledger();
            RequestTracing tracing = telemetry == null ? RequestTracing.OFF
                    : telemetry.requestTracing(mode.replicated());
            if (telemetry != null) {
                mode.observe(telemetry);
            }

            RecordExpiry expiry = new RecordExpiry(clock, config.messaging().defaultTtlMs());
            LogStore store = resources.push(openLogs(layout, logDefaults, storageListener, config, clock::millis));
            topics = TopicManager.open(store, layout.topicsFile(), logDefaults,
                    config.autoCreateTopics() && mode.createsTopicsLocally(), config.defaultPartitions(),
                    mode.maxReplicationFactor(), listener);
            OffsetStore offsets = resources.push(OffsetStore.open(layout.offsetsFile()));
            GroupCoordinator groups = resources.push(
                    new GroupCoordinator(offsets, topics, listener, config.groups().sessionTimeoutMs(), expiry));

            // a single node keeps one schedule; a cluster one per partition, replicated by the partition's group
            DelayedDelivery delayed = mode.replicated() ? null : resources.push(new DelayedDelivery(
                    layout.delayedDir(), topics, acknowledger, expiry, listener, config.messaging().maxDelayMs(),
                    config.performance().acks() == Acks.ALL || config.performance().syncIntervalMs() == 0,
                    config.performance().syncIntervalMs(),
                    config.encryption().enabled() ? new ValueCipher(config.encryption().key()) : null));
            this.delayed = delayed;
            ClusterDelayed clusterDelayed = mode.clusterDelayed(topics, expiry, listener,
                    config.messaging().maxDelayMs()).orElse(null);
            this.clusterDelayed = clusterDelayed;

            SchemaRegistry schemas = mode.schemaRegistry(layout, Compatibility.parse(config.schema().compatibility()));
            // the handlers are registered below; the queues reach them only once requests are served
            HandlerRegistry handlers = new HandlerRegistry();
            RetryHolds retryHolds = new RetryHolds(clock);
            DeadLetters deadLetters = new DeadLetters(config.deadLetters(), topics, leadership, handlers, clock, listener,
                    mode.retryHolds(layout, retryHolds));
            RetryGate retryGate = new RetryGate(retryHolds, topics);
            RejectedRecords rejected = !config.deadLetters().enabled() ? RejectedRecords.NONE
                    : (topic, version, violation, key, value) -> deadLetters.rejected(topic,
                    "'" + version.subject() + "' version " + version.version() + " (id " + version.id() + ")",
                    violation, key, value);
            SchemaValidation validation = config.schema().enabled()
                    ? new SchemaValidation(schemas, ValidationMode.parse(config.schema().validation()), listener,
                    rejected)
                    : SchemaValidation.OFF;
            SchemaRequests schemaRequests = new SchemaRequests(schemas, mode.schemaChanges());
            GroupRequests groupRequests = new GroupRequests(groups, config.nodeId());
            TopicRequests topicRequests = new TopicRequests(topics, leadership, expiry);
            ClusterRequests clusterRequests = new ClusterRequests(topics, leadership, () -> ready);
            SecurityStore securityStore = SecurityStore.open(layout.securityFile());
            Authorizer authorizer = new Authorizer(config.auth(), securityStore);
            PasswordHasher hasher = new PasswordHasher(config.auth().passwordHashIterations());
            AuditTrail audit = !config.audit().enabled() ? AuditTrail.OFF : resources.push(AuditTrail.open(
                    config.audit().logDir().isEmpty() ? layout.auditDir() : Path.of(config.audit().logDir()),
                    config.nodeId(), config.audit().maxFileSize(), config.audit().retentionDays()));
            AuthRequests auth = new AuthRequests(authorizer, hasher, audit, listener, mode.nodeLogin());
            SecurityRequests security = new SecurityRequests(authorizer, hasher, mode.security(securityStore), audit);
            AuditRequests auditRequests = new AuditRequests(audit);
            TransactionIndex transactionIndex = new TransactionIndex();
            groups.countHiddenWith(transactionIndex::hiddenIn);
            FetchHandler fetch = new FetchHandler(topics, transactionIndex, listener, tracing, expiry);
            ConsumeHandler consume = new ConsumeHandler(topics, transactionIndex, listener, tracing, expiry);
            ProduceHandler produceHandler = new ProduceHandler(topics, leadership, acknowledger,
                    config.performance().acks(), listener, tracing, expiry, validation);
            RequestHandler produce = routed(Opcodes.PRODUCE, produceHandler);
            handlers.register(Opcodes.PRODUCE, produce)
                    .register(Opcodes.PRODUCE_WITH_TTL, routed(Opcodes.PRODUCE_WITH_TTL, produceHandler::handleWithTtl))
                    .register(Opcodes.CONSUME, retryGate.consume(routed(Opcodes.CONSUME, consume)))
                    .register(Opcodes.CONSUME_ZERO_COPY, retryGate.consume(routed(Opcodes.CONSUME_ZERO_COPY, consume)))
                    .register(Opcodes.FETCH, retryGate.fetch(routed(Opcodes.FETCH, fetch)))
                    .register(Opcodes.FETCH_BINARY, retryGate.fetch(routed(Opcodes.FETCH_BINARY, fetch)))
                    .register(Opcodes.LIST_TOPICS, topicRequests::list)
                    .register(Opcodes.METADATA, topicRequests::metadata)
                    .register(Opcodes.SUBSCRIBE, groupRequests::subscribe)
                    .register(Opcodes.GET_OFFSET, groupRequests::getOffset)
                    .register(Opcodes.LIST_GROUPS, groupRequests::listGroups)
                    .register(Opcodes.DESCRIBE_GROUP, groupRequests::describeGroup)
                    .register(Opcodes.GET_LAG, groupRequests::getLag)
                    .register(Opcodes.SEEK_TO_TIMESTAMP, new SeekToTimestampHandler(topics))
                    .register(Opcodes.CLUSTER_STATUS, clusterRequests::status)
                    .register(Opcodes.CLUSTER_METADATA, clusterRequests::metadata)
                    .register(Opcodes.AUTH, Opcodes.AUTH_RESPONSE, auth::auth)
                    .register(Opcodes.WHOAMI, Opcodes.WHOAMI_RESPONSE, auth::whoami)
                    .register(Opcodes.USER_CREATE, security::createUser)
                    .register(Opcodes.USER_DELETE, security::deleteUser)
                    .register(Opcodes.USER_UPDATE, security::updateUser)
                    .register(Opcodes.USER_LIST, security::listUsers)
                    .register(Opcodes.USER_GET, security::getUser)
                    .register(Opcodes.PASSWORD_CHANGE, security::changePassword)
                    .register(Opcodes.ACL_SET, security::setAcl)
                    .register(Opcodes.ACL_GET, security::getAcl)
                    .register(Opcodes.ACL_DELETE, security::deleteAcl)
                    .register(Opcodes.ACL_LIST, security::listAcls)
                    .register(Opcodes.ROLE_LIST, security::listRoles)
                    .register(Opcodes.AUDIT_QUERY, auditRequests::query)
                    .register(Opcodes.AUDIT_EXPORT, auditRequests::export)
                    .register(ExtensionOpcodes.BATCH_PRODUCE, routed(ExtensionOpcodes.BATCH_PRODUCE,
                            new BatchProduceHandler(topics, leadership, acknowledger, listener, tracing, expiry,
                                    validation)))
                    .register(ExtensionOpcodes.BATCH_FETCH, retryGate.batchFetch(routed(ExtensionOpcodes.BATCH_FETCH,
                            new BatchFetchHandler(topics, transactionIndex, listener, tracing))))
                    .register(Opcodes.REGISTER_SCHEMA, schemaRequests::register)
                    .register(Opcodes.GET_SCHEMA, schemaRequests::get)
                    .register(Opcodes.LIST_SCHEMAS, schemaRequests::list)
                    .register(Opcodes.VALIDATE_SCHEMA, schemaRequests::validate)
                    .register(Opcodes.PRODUCE_WITH_SCHEMA, new ProduceWithSchemaHandler(schemas, validation, produce))
                    .register(Opcodes.DELETE_SCHEMA, schemaRequests::delete);
            registerDeadLetters(handlers, deadLetters);
            if (delayed != null) {
                DelayedRequests delayedRequests = new DelayedRequests(delayed);
                handlers.register(Opcodes.PRODUCE_DELAYED, delayedRequests::produceDelayed)
                        .register(Opcodes.CANCEL_DELAYED, delayedRequests::cancelDelayed);
            } else {
                // on the partition's leader: PRODUCE_DELAYED's partition chosen where it arrived, CANCEL_DELAYED's
                // partition named by its delay id
                handlers.register(Opcodes.PRODUCE_DELAYED, routed(Opcodes.PRODUCE_DELAYED,
                                clusterDelayed::produceDelayed))
                        .register(Opcodes.CANCEL_DELAYED, mode.routedTo(Opcodes.CANCEL_DELAYED,
                                clusterDelayed::cancelDelayed, in -> {
                                    CancelDelayedRequest r = CancelDelayedRequest.read(in);
                                    return new RoutedRequest(r.topic(), r.delayId() < 0 ? 0
                                            : PartitionSchedule.partitionOfId(r.delayId()), r);
                                }))
                        .register(ExtensionOpcodes.DELAYED_ENTRIES, clusterDelayed::entries);
            }
            TransactionCoordinator transactions = null;
            ClusterTransactions clusterTransactions = null;
            if (config.transactions().enabled() && mode.replicated()) {
                RequestTracing txnTracing = tracing;
                // the coordinator runs on the metadata leader over the replicated state; its own index is not the
                // one readers consult (the partition groups keep that one, on every replica)
                clusterTransactions = resources.push(mode.clusterTransactions(topics, groups, transactionIndex,
                        (state, appender, groupOffsets) -> TransactionCoordinator.open(state, topics, appender,
                                groupOffsets,
                                new TransactionIndex(), config.transactions().timeoutMs(), clock::millis, listener,
                                txnTracing),
                        c -> new TransactionRequests(c, config.performance().acks(), listener, validation))
                        .orElseThrow());
                for (int op : new int[] {Opcodes.BEGIN_TX, Opcodes.COMMIT_TX, Opcodes.ABORT_TX, Opcodes.PRODUCE_TX,
                        ExtensionOpcodes.BATCH_PRODUCE_TX, ExtensionOpcodes.TXN_COMMIT_OFFSET}) {
                    handlers.register(op, clusterTransactions.handler(op));
                }
                handlers.register(ExtensionOpcodes.TXN_FORWARD, clusterTransactions::forwarded)
                        .register(ExtensionOpcodes.TXN_APPEND, clusterTransactions::append);
            } else if (config.transactions().enabled()) {
                transactions = resources.push(TransactionCoordinator.open(layout.transactionsFile(),
                        // COMMIT_TX is acknowledged as performance.acks says: with all, its decision is fsynced too
                        logDefaults.syncPolicy() == SyncPolicy.EVERY_BATCH
                                || config.performance().acks() == Acks.ALL,
                        topics, acknowledger::appendAndAcknowledge,
                        new TransactionCoordinator.GroupOffsets() {
                            @Override
                            public void check(String request, String topic, String group, int partition, long offset) {
                                groups.checkOffset(request, topic, group, partition, offset);
                            }

                            @Override
                            public void commit(String topic, String group, int partition, long offset) {
                                groups.commit(topic, group, partition, offset);
                            }
                        }, transactionIndex, config.transactions().timeoutMs(), System::currentTimeMillis, listener,
                        tracing));
                TransactionRequests txn = new TransactionRequests(transactions, config.performance().acks(), listener,
                        validation);
                handlers.register(Opcodes.BEGIN_TX, txn::begin)
                        .register(Opcodes.COMMIT_TX, txn::commit)
                        .register(Opcodes.ABORT_TX, txn::abort)
                        .register(Opcodes.PRODUCE_TX, txn::produce)
                        .register(ExtensionOpcodes.BATCH_PRODUCE_TX, txn::batchProduce)
                        .register(ExtensionOpcodes.TXN_COMMIT_OFFSET, txn::commitOffset);
            } else {
                String why = "transactions are disabled on this broker (transaction.enabled = false)";
                RequestHandler refuse = (session, in, out) -> {
                    throw new RequestException(why);
                };
                for (int op : new int[] {Opcodes.BEGIN_TX, Opcodes.COMMIT_TX, Opcodes.ABORT_TX, Opcodes.PRODUCE_TX,
                        ExtensionOpcodes.BATCH_PRODUCE_TX, ExtensionOpcodes.TXN_COMMIT_OFFSET}) {
                    handlers.register(op, refuse);
                }
            }
            // CREATE/DELETE_TOPIC, COMMIT, RESET_OFFSET, DELETE_GROUP and cluster membership
            mode.register(handlers, topicRequests, groupRequests);
            // every served opcode has an access rule, or the node does not start
            servedOpcodes = handlers.opcodes();
            AccessRules.requireAll(servedOpcodes);
            handlers.guard(new AccessGuard(authorizer, audit, listener));
            warnAboutAuth(config, securityStore);

            ServerTls tls = ClientTlsSetup.serverTls(config, layout);
            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("flymq-housekeeping").daemon(true).factory());
            resources.push(housekeeping::shutdownNow);
            // closed after the server (which answers the requests in flight) and before groups and logs
            resources.push(mode);
            try {
                server = resources.push(ProtocolServer.start(ClientTlsSetup.endpoints(config, tls), handlers,
                        listener, groups::leaveAll, Duration.ofMillis(config.network().idleTimeoutMs()),
                        Duration.ofMillis(config.network().writeTimeoutMs()), housekeeping,
                        ProtocolServer.DEFAULT_PLATFORM_CONNECTIONS,
                        Duration.ofNanos(config.network().readSpinMicros() * 1000),
                        new ConnectionLimits(config.network().maxConnections(),
                                config.network().maxConnectionsPerIp(),
                                config.network().maxInflightRequestBytes())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + ClientTlsSetup.describeListeners(config) + ": "
                        + rootMessage(e), e);
            }
            long reloadMs = config.tls().reloadIntervalMs();
            if (tls != null && reloadMs > 0) {
                housekeeping.scheduleWithFixedDelay(tls::reloadIfChanged, reloadMs, reloadMs, TimeUnit.MILLISECONDS);
            }
            if (telemetry != null && telemetry.servesHttps() && reloadMs > 0) {
                housekeeping.scheduleWithFixedDelay(telemetry::reloadTlsIfChanged, reloadMs, reloadMs,
                        TimeUnit.MILLISECONDS);
            }
            boundPort[0] = server.port();
            mode.start(topics, groups);
            housekeeping.scheduleWithFixedDelay(() -> groups.expireMembers(System.nanoTime()), 1, 1,
                    TimeUnit.SECONDS);
            if (transactions != null) {
                expireTransactionsEvery200Ms(housekeeping, transactions::expire);
            }
            if (clusterTransactions != null) {
                expireTransactionsEvery200Ms(housekeeping, clusterTransactions::expire);
            }
            if (delayed != null) {
                delayed.start();
            }
            if (clusterDelayed != null) {
                clusterDelayed.start();
            }
            view = new BrokerStateView(config, topics, groups, server, () -> ready, expiry,
                    delayed != null ? delayed : clusterDelayed,
                    deadLetters::depths);
            ready = true;
            if (telemetry != null) {
                mode.attach(telemetry);
                telemetry.attach(view);
                telemetry.addView(new SchemaHttpView(schemas));
            }
            ServerTls adminTls = telemetry == null || !config.observability().admin().enabled() ? null
                    : HttpTlsSetup.admin(config, layout);
            admin = telemetry == null || !config.observability().admin().enabled() ? null
                    : startAdmin(config, adminTls, new BrokerAdminBackend(topics, groups, leadership, handlers,
                            () -> ready, () -> traffic(telemetry), schemas, expiry),
                            new UserAuthenticator(authorizer, auth));
            if (admin != null) {
                resources.push(admin); // closed first: no API call reaches a node that is stopping
                AdminServer served = admin;
                if (adminTls != null && reloadMs > 0) {
                    housekeeping.scheduleWithFixedDelay(() -> {
                        if (adminTls.reloadIfChanged()) {
                            served.reloadTls(HttpTlsSetup.adminKeys(adminTls));
                        }
                    }, reloadMs, reloadMs, TimeUnit.MILLISECONDS);
                }
            }
            LOG.log(System.Logger.Level.INFO, "broker " + config.nodeId() + " serving on port " + server.port()
                    + (tls == null ? "" : config.tls().separateListener() ? " (plaintext) and " + server.tlsPort()
                            + " (TLS)" : " (TLS)") + ", data in " + layout.root().toAbsolutePath());
        } catch (RuntimeException e) {
            throw resources.closeAfter(e);
        }
    }

    /** A failed sweep is logged and the next one runs: a timed-out transaction must not stay open for good. */
    private static void expireTransactionsEvery200Ms(ScheduledExecutorService housekeeping, Runnable expire) {
        housekeeping.scheduleWithFixedDelay(() -> {
            try {
                expire.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "aborting timed-out transactions failed: " + e, e);
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
    }

    /** Opens the partition logs, encrypted when configured; a key problem names the settings that fix it. */
    private static LogStore openLogs(DataDirLayout layout, LogConfig defaults, StorageListener listener,
                                     BrokerConfig config, LongSupplier clock) {
        try {
            return LogStore.open(layout.logsDir(), defaults, listener, Duration.ofSeconds(1), clock,
                    config.encryption().key());
        } catch (EncryptionException e) {
            throw new EncryptionException(e.getMessage() + "; start with security.encryption_enabled=true and the key "
                    + "the logs were written with (FLYMQ_ENCRYPTION_KEY or security.encryption_key_file)", e);
        }
    }

    /**
     * The admin API and console. On its default (loopback) address a port in use is logged and skipped: the default
     * is a convenience for this machine's browser, and a second broker on the same host must still start. A
     * configured address that cannot be bound fails the start like every other listener.
     */
    private static AdminServer startAdmin(BrokerConfig config, ServerTls tls, AdminBackend backend,
                                          Authenticator callers) {
        BrokerConfig.Admin a = config.observability().admin();
        AdminConfig adminConfig = new AdminConfig(a.addr(), a.corsOrigins(), BrokerTelemetry.version(),
                tls == null ? null : HttpTlsSetup.adminKeys(tls));
        try {
            // with auth.enabled the broker's users, else every caller may do everything (docs/admin-api.md)
            return AdminServer.start(adminConfig, backend, callers);
        } catch (IllegalStateException e) {
            if (!a.defaultAddr()) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "admin API and console not started: " + e.getMessage()
                    + " (set observability.admin.addr to serve them elsewhere)");
            return null;
        }
    }

    /**
     * Cluster nodes without a cluster secret forward requests to leaders logged in as the bootstrap admin (with a
     * secret, as nodes): without either a node with auth on can serve only what it leads itself. And a broker with neither a bootstrap admin nor a stored admin
     * cannot be administered at all (upstream's installer writes such a file).
     */
    private static void warnAboutAuth(BrokerConfig config, SecurityStore users) {
        BrokerConfig.Auth auth = config.auth();
        if (!auth.enabled() || !auth.adminPassword().isEmpty()) {
            return;
        }
        if (!config.peers().isEmpty() && !config.clusterAuth().enabled()) {
            LOG.log(System.Logger.Level.WARNING, "auth.enabled without auth.admin_password and without a cluster "
                    + "secret on cluster node " + config.nodeId() + ": requests this node forwards to a leader will be "
                    + "refused as anonymous");
        }
        if (users.users().stream().noneMatch(u -> u.enabled() && u.has(Permission.ADMIN))) {
            LOG.log(System.Logger.Level.WARNING, "auth.enabled without auth.admin_password and without an admin "
                    + "user: nobody can create users, ACLs or topics on this broker (set auth.admin_password_file)");
        }
    }

    private static AdminBackend.Traffic traffic(BrokerTelemetry telemetry) {
        var t = telemetry.traffic();
        return new AdminBackend.Traffic(t.produced(), t.bytesProduced(), t.consumed(), t.bytesConsumed(),
                t.produceRequests(), t.produceLatencyNanos());
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * FETCH_DLQ, REPLAY_DLQ, PURGE_DLQ and DLQ_NACK, each run where the queue topic's partition is led (in a
     * cluster; on a single node here).
     */
    private void registerDeadLetters(HandlerRegistry handlers, DeadLetters queues) {
        DlqRequests dlq = new DlqRequests(queues);
        handlers.register(Opcodes.FETCH_DLQ, mode.routedTo(Opcodes.FETCH_DLQ, dlq::fetch, in -> {
                    DlqFetchRequest r = DlqFetchRequest.read(in);
                    return new RoutedRequest(queues.queueOf(r.topic()), 0, r);
                }))
                .register(Opcodes.REPLAY_DLQ, mode.routedTo(Opcodes.REPLAY_DLQ, dlq::replay, in -> {
                    DlqReplayRequest r = DlqReplayRequest.read(in);
                    return new RoutedRequest(queues.queueOf(r.topic()), 0, r);
                }))
                .register(Opcodes.PURGE_DLQ, mode.routedTo(Opcodes.PURGE_DLQ, dlq::purge, in -> {
                    DlqPurgeRequest r = DlqPurgeRequest.read(in);
                    return new RoutedRequest(queues.queueOf(r.topic()), 0, r);
                }))
                .register(ExtensionOpcodes.DLQ_NACK, nackOrHold(mode.routedTo(ExtensionOpcodes.DLQ_NACK, dlq::nack,
                        in -> {
                            NackRequest r = NackRequest.read(in);
                            return new RoutedRequest(queues.queueOf(r.topic()), 0, r);
                        })));
    }

    /**
     * DLQ_NACK from a consumer, or (in a cluster) its node-to-node form carrying a retry hold to the metadata leader
     * (an empty first field: a consumer's nack always names its group).
     */
    private RequestHandler nackOrHold(RequestHandler nack) {
        Optional<RequestHandler> hold = mode.retryHoldForwarded();
        if (hold.isEmpty()) {
            return nack;
        }
        return (session, in, out) -> (RetryHoldRequest.is(in) ? hold.get() : nack).handle(session, in, out);
    }

    /** Partition requests as the mode runs them: on a single node unchanged, in a cluster on the leader. */
    private RequestHandler routed(int opcode, RequestHandler local) {
        return mode.routed(opcode, local, topics);
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
    public Optional<RaftGroup<Boolean>> metadataGroup() {
        return mode.metadataGroup();
    }

    public BrokerView view() {
        return view;
    }

    /** Every opcode this node serves, ascending (each has an access rule: the node would not have started). */
    public int[] servedOpcodes() {
        return servedOpcodes.clone();
    }

    /** Whether requests are authenticated and authorized ({@code auth.enabled}). */
    public boolean authEnabled() {
        return config.auth().enabled();
    }

    /** The port actually bound (useful with port 0): {@code bind_addr}'s, plaintext or TLS. */
    public int boundPort() {
        return server.port();
    }

    /** The port serving TLS ({@code security.tls_addr}'s, or {@code bind_addr}'s when TLS is on it), if any. */
    public OptionalInt tlsPort() {
        int p = server.tlsPort();
        return p < 0 ? OptionalInt.empty() : OptionalInt.of(p);
    }

    /** The bound metrics port, when this node serves telemetry (started by {@link #start(BrokerConfig)}). */
    public OptionalInt metricsPort() {
        return telemetry == null || telemetry.metricsPort() < 0 ? OptionalInt.empty()
                : OptionalInt.of(telemetry.metricsPort());
    }

    /** The bound health port, when this node serves telemetry (started by {@link #start(BrokerConfig)}). */
    public OptionalInt healthPort() {
        return telemetry == null ? OptionalInt.empty() : OptionalInt.of(telemetry.healthPort());
    }

    /**
     * Wakes the delayed-delivery thread, which otherwise looks at the clock at least once a second: for a test that
     * moved the node's clock ({@link #start(BrokerConfig, BrokerListener, InstantSource)}).
     */
    public void wakeDelayedDelivery() {
        if (delayed != null) {
            delayed.wakeUp();
        }
        if (clusterDelayed != null) {
            clusterDelayed.wakeUp();
        }
    }

    /**
     * Delayed records neither delivered nor cancelled yet; in a cluster those of the partitions this node leads (the
     * cluster's total is the sum over its nodes).
     */
    public long pendingDelayedRecords() {
        DelayedCounts counts = delayed != null ? delayed : clusterDelayed;
        return counts == null ? 0 : counts.pending();
    }

    /** The bound admin API port, when this node serves the admin API and console. */
    public OptionalInt adminPort() {
        return admin == null ? OptionalInt.empty() : OptionalInt.of(admin.port());
    }

    /** The console's URL ({@code http://localhost:9096/ui/}), when this node serves it. */
    public Optional<String> consoleUrl() {
        return admin == null ? Optional.empty() : Optional.of(admin.consoleUrl());
    }

    /** The bound cluster (Raft) port when this node runs in a cluster. */
    public OptionalInt clusterPort() {
        return mode.clusterPort();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /** Like {@link #awaitShutdown()} for at most {@code timeout}; true when the node has stopped. */
    public boolean awaitShutdown(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Part of the node died (the metrics or health listener stopped on its own, a thread ended with an
     * {@code Error}): it is logged once and the node stops, so that the process exits instead of serving half-alive;
     * {@link #failure()} tells its runner to exit non-zero. Ignored once a stop has begun.
     */
    public void fail(String reason) {
        if (closed || !failure.compareAndSet(null, reason)) {
            return;
        }
        LOG.log(System.Logger.Level.ERROR, "broker " + config.nodeId() + ": " + reason + "; stopping");
        try {
            // not on the caller's thread: it may be the dying listener, which a stop of its server waits for
            Thread.ofPlatform().name("flymq-failure-stop").daemon(true).start(this::close);
        } catch (Throwable e) {
            // no thread to be had (out of memory): exit rather than stay half-alive
            System.err.println("flymq broker " + config.nodeId() + ": " + reason + "; cannot stop gracefully ("
                    + e + "), exiting");
            Runtime.getRuntime().halt(1);
        }
    }

    /**
     * For a process that runs this one node: a thread that ends with an {@link Error} (an OutOfMemoryError in a
     * connection, listener or housekeeping thread) fails the node ({@link #fail}) instead of leaving the process
     * half-alive. A thread ending with an exception keeps the JVM's default handling (its stack trace on stderr).
     */
    public void failOnThreadErrors() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof Error) {
                fail("thread " + thread.getName() + " ended with " + e);
            } else if (previous != null) {
                previous.uncaughtException(thread, e);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                e.printStackTrace();
            }
        });
    }

    /** Why the node stopped on its own ({@link #fail}), if it did. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    /**
     * Graceful shutdown: stop accepting, answer the requests being served, flush and close connections, stop the
     * cluster member, then close group state, flush and close every log, release the data directory and, last,
     * telemetry (flushing the spans of the requests answered above). Idempotent.
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
            resources.close();
        } finally {
            stopped.countDown();
        }
        LOG.log(System.Logger.Level.INFO, "broker " + config.nodeId() + " stopped");
    }
}
