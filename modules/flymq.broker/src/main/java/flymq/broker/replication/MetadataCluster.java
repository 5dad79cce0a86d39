package flymq.broker.replication;

import flymq.broker.BrokerConfig;
import flymq.broker.DataDirLayout;
import flymq.broker.auth.NodeLogin;
import flymq.broker.auth.SecurityChange;
import flymq.broker.auth.SecurityStore;
import flymq.broker.cluster.ClusterNode;
import flymq.broker.cluster.PartitionLeader;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.produce.ProducerBatch;
import flymq.broker.replication.MetadataCommand.CreateTopic;
import flymq.broker.replication.MetadataCommand.DeleteTopic;
import flymq.broker.replication.MetadataCommand.RegisterNode;
import flymq.broker.dlq.RetryHolds;
import flymq.broker.schema.Compatibility;
import flymq.broker.schema.SchemaChange;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.TopicManager;
import flymq.broker.txn.TransactionCoordinator;
import flymq.broker.txn.TransactionIndex;
import flymq.broker.txn.TransactionRequests;
import flymq.broker.topic.TopicNames;
import flymq.broker.topic.TopicSettings;
import flymq.broker.tls.ServerTls;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.message.ClusterBalanceRequest;
import flymq.protocol.message.ClusterBalanceResponse;
import flymq.protocol.message.PartitionReassignRequest;
import flymq.protocol.message.ReassignmentsResponse;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.ClusterStatusResponse;
import flymq.protocol.message.CommitRequest;
import flymq.protocol.message.RetryHoldRequest;
import flymq.protocol.message.AlterTopicRequest;
import flymq.protocol.message.CreatePartitionsRequest;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.DeleteGroupRequest;
import flymq.protocol.message.DeleteTopicRequest;
import flymq.protocol.message.RegisterNodeRequest;
import flymq.protocol.message.SecurityChangeRequest;
import flymq.protocol.message.ResetOffsetRequest;
import flymq.protocol.message.SuccessResponse;
import flymq.protocol.message.WireMessage;
import flymq.protocol.tls.TlsContexts;
import flymq.raft.MemoryBudget;
import flymq.raft.RaftGroup;
import flymq.raft.RaftGroupConfig;
import flymq.raft.RaftGroupException;
import flymq.raft.RaftListener;
import flymq.raft.RaftMember;
import flymq.raft.RaftMemory;
import flymq.raft.RaftStatus;
import flymq.raft.RaftStoreKey;
import flymq.raft.transport.ClusterAuth;
import flymq.raft.transport.ClusterTransport;
import flymq.raft.transport.TcpClusterTransport;
import flymq.storage.EncryptionKey;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A node's membership in the cluster: the metadata Raft group (over one {@link TcpClusterTransport} on
 * {@code cluster_addr}, state in {@code <data_dir>/raft/metadata}), the {@link PartitionLeadership} answered from
 * the replicated assignment, and the CREATE_TOPIC / DELETE_TOPIC handlers that go through the group.
 *
 * <p>A metadata request on a follower is forwarded once to the leader's client port (the leader registers its
 * client address in the group when elected, every other node when it first learns a leader). The forwarded copy
 * carries a trailing marker byte so the receiver never forwards it again; where forwarding is impossible (no leader
 * elected, leader's address unknown, already forwarded) the answer is the spec's
 * {@code not leader: leader_id=... leader_addr=...}.
 *
 * <p>SECURITY_CHANGE 0xCD (cluster-internal): a user or ACL change ({@link SecurityChangeRequest}) a follower
 * forwards to the leader, which commits it as metadata command 17; every node's state machine applies it to its
 * {@link SecurityStore}. With {@code auth.enabled} the nodes log in to each other before they forward anything
 * ({@link LeaderForwarder.Login}): as nodes, through the cluster secret ({@link NodeLogin}), or in a cluster without
 * a secret as the bootstrap admin, so every node then needs the same {@code auth.admin_password}.
 *
 * <p>CLUSTER_REGISTER 0xCF (cluster-internal, in FlyMQ's extension range; SDKs never send
 * it): a {@link RegisterNodeRequest} answered with a {@link SuccessResponse}.
 */
public final class MetadataCluster implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MetadataCluster.class.getName());
    private static final long COMMIT_TIMEOUT_MS = 10_000;
    /** The term in which this node, as leader, had applied its whole log once ({@link #awaitLeaderApplied}). */
    private volatile int appliedInTerm = -1;
    /** Replicas of a partition when CREATE_TOPIC names none (capped by the cluster's size). */
    public static final int DEFAULT_REPLICATION_FACTOR = 3;

    private final BrokerConfig config;
    private final ClusterMembers members;
    private final Supplier<String> clientAddr;
    private final LeaderForwarder forwarder;
    private final RaftMemory raftMemory;
    private final Admission produceAdmission;
    private final Admission forwardAdmission;
    private final Leadership leadership = new Leadership();
    private final MembershipChanges membership;
    private final ClusterTuning tuning;
    private volatile TcpClusterTransport tcp;
    private volatile ClusterTransport transport;
    private volatile RaftGroup<Boolean> group;
    private volatile MetadataStateMachine state;
    private volatile GroupCoordinator groups;
    private volatile PartitionReplicas replicas;
    private volatile PartitionMover mover;
    private volatile boolean closed;
    private volatile RaftListener observer = RaftListener.NONE;
    private volatile SchemaRegistry schemas;
    private volatile SecurityStore security;
    private volatile RetryHolds retryHolds;
    private volatile TransactionIndex transactionIndex = new TransactionIndex();
    private volatile ClusterTransactions transactions;
    private volatile ClusterDelayed delayed;
    /** How this node logs in to the nodes it forwards to (null: auth off, or no secret and no admin password). */
    private final LeaderForwarder.Login forwardLogin;
    /** TLS to the nodes' client ports, or null when they are plaintext. */
    private final ForwardTls forwardTls;

    /**
     * With {@code auth.enabled}: as a node through the cluster secret ({@link NodeLogin}), else as the bootstrap
     * admin; null with auth off, or when neither is configured (forwarded requests are then refused as anonymous).
     */
    private static LeaderForwarder.Login forwardLogin(BrokerConfig config) {
        BrokerConfig.Auth auth = config.auth();
        if (!auth.enabled()) {
            return null;
        }
        NodeLogin nodes = nodeLogin(config);
        if (nodes.enabled()) {
            return new LeaderForwarder.Login.AsNode(nodes);
        }
        return auth.adminPassword().isEmpty() ? null
                : new LeaderForwarder.Login.AsAdmin(auth.adminUsername(), auth.adminPassword());
    }

    /** How this node and the nodes that forward to it log in: through the cluster secret, when there is one. */
    public static NodeLogin nodeLogin(BrokerConfig config) {
        return NodeLogin.of(config.clusterAuth().derivedKey(NodeLogin.keyLabel()), config.nodeId());
    }

    /** @param clientAddr this node's client-facing {@code host:port}, known once the protocol server is bound */
    public MetadataCluster(BrokerConfig config, ClusterMembers members, Supplier<String> clientAddr) {
        this(config, members, clientAddr, ClusterTuning.DEFAULT);
    }

    /** @param tuning transport wrapper and Raft settings (tests); {@link ClusterTuning#DEFAULT} in production */
    public MetadataCluster(BrokerConfig config, ClusterMembers members, Supplier<String> clientAddr,
                           ClusterTuning tuning) {
        this.tuning = tuning;
        this.config = config;
        this.members = members;
        this.clientAddr = clientAddr;
        BrokerConfig.Cluster bounds = config.cluster();
        this.raftMemory = new RaftMemory(bounds.raftLogBytes(), bounds.raftInboundBytes(),
                Math.toIntExact(bounds.raftAppendBytes()));
        this.produceAdmission = new Admission(new MemoryBudget("cluster.produce_inflight_bytes",
                bounds.produceInflightBytes()), bounds.budgetWaitMs());
        this.forwardAdmission = new Admission(new MemoryBudget("cluster.forward_inflight_bytes",
                bounds.forwardInflightBytes()), bounds.budgetWaitMs());
        this.forwardLogin = forwardLogin(config);
        this.forwardTls = ForwardTls.from(config);
        this.forwarder = new LeaderForwarder(forwardAdmission, forwardLogin, forwardTls);
        this.membership = new MembershipChanges(members, () -> group, () -> state, forwarder);
    }

    public ClusterMembers members() {
        return members;
    }

    /**
     * The node's schema registry, which the metadata group changes (REGISTER/DELETE_SCHEMA go through
     * {@link #schemaChange}); set before {@link #start}.
     */
    public void schemaRegistry(SchemaRegistry registry) {
        this.schemas = registry;
    }

    /**
     * A schema registry change in a cluster ({@link flymq.broker.schema.SchemaChanges}): replicated through the
     * metadata group when this node leads it, so every node's registry applies it in log order (and refuses an
     * invalid or incompatible one the same way); otherwise {@code forwardedRequest} goes once to the leader.
     *
     * @return null when replicated here, else the leader's answer payload
     */
    public byte[] schemaChange(SchemaChange change, String what, boolean forwarded, WireMessage forwardedRequest,
                               int opcode) {
        RaftGroup<Boolean> g = requireStarted();
        if (g.isLeader()) {
            try {
                replicate(g, new MetadataCommand.Schema(change).encode(), what);
                return null;
            } catch (RaftGroupException e) {
                if (e.reason() != RaftGroupException.Reason.NOT_LEADER) {
                    throw new RequestException("cannot " + what + ": " + e.getMessage());
                }
            }
        }
        return toMetadataLeader(g, forwarded, what, forwardedRequest, opcode);
    }

    /**
     * The key this node's Raft logs (metadata and partition groups) are encrypted with at rest: derived from the
     * at-rest key under a label of its own, so it never equals the key of the segment files; null without encryption.
     */
    private static RaftStoreKey raftStoreKey(BrokerConfig config) {
        EncryptionKey key = config.encryption().key();
        if (key == null) {
            return null;
        }
        // the at-rest key's previous keys (a rotation) open what the Raft logs sealed before it
        return raftStoreKey(key).withPrevious(key.previous().stream().map(MetadataCluster::raftStoreKey).toList());
    }

    private static RaftStoreKey raftStoreKey(EncryptionKey key) {
        return RaftStoreKey.of(key.hmac("flymq raft store key".getBytes(StandardCharsets.US_ASCII)), key.id());
    }

    /** Cluster connections this node's transport refused for authentication, in and out (0 before start). */
    public long authFailures() {
        TcpClusterTransport t = tcp;
        return t == null ? 0 : t.stats().authFailures();
    }

    /**
     * The node's table of the consumer groups' retry holds, which RETRY_HOLD commands fill on every node (the read
     * paths consult it); set before {@link #start}.
     */
    public void retryHolds(RetryHolds holds) {
        this.retryHolds = holds;
    }

    /**
     * A retry hold (or its release) in a cluster ({@link flymq.broker.dlq.RetryHoldLog}): replicated through the
     * metadata group when this node leads it, else sent once to the leader as DLQ_NACK's node-to-node form.
     * Returns once it is committed; each node enforces it from when it applies it (within a heartbeat).
     */
    public void recordRetryHold(RetryHolds.Hold h) {
        execute(() -> new MetadataCommand.RetryHold(h), false, what(h), new RetryHoldRequest(h.group(), h.topic(),
                h.partition(), h.offset(), h.failures(), h.notBeforeMs(), true), ExtensionOpcodes.DLQ_NACK);
    }

    /** DLQ_NACK's node-to-node form ({@link RetryHoldRequest}): a hold another node sends to the metadata leader. */
    public void retryHold(Session session, PayloadReader in, PayloadWriter out) {
        RetryHoldRequest r = RetryHoldRequest.read(in);
        RetryHolds.Hold h = new RetryHolds.Hold(r.group(), r.topic(), r.partition(), r.offset(), r.failures(),
                r.notBeforeMs());
        execute(() -> new MetadataCommand.RetryHold(h), r.forwarded(), what(h), new RetryHoldRequest(h.group(),
                h.topic(), h.partition(), h.offset(), h.failures(), h.notBeforeMs(), true), ExtensionOpcodes.DLQ_NACK);
        SuccessResponse.OK.write(out);
    }

    private static String what(RetryHolds.Hold h) {
        return (h.notBeforeMs() <= 0 ? "release the retry hold" : "hold for a retry") + " of group " + h.group()
                + " on " + h.topic() + "-" + h.partition();
    }

    /**
     * The node's users and ACLs, which the metadata group changes (security commands, see
     * {@link #submitSecurity}); set before {@link #start}.
     */
    public void security(SecurityStore store) {
        this.security = store;
    }

    /**
     * A user or ACL change in a cluster ({@link flymq.broker.auth.SecurityChanges}): replicated through the metadata
     * group when this node leads it, else forwarded once to the leader as SECURITY_CHANGE. Returns when this node
     * has applied it too (or after {@value #COMMIT_TIMEOUT_MS} ms, when a later change of the same entry may
     * have overtaken it), so a read that follows on this node sees it.
     */
    public void submitSecurity(SecurityChange change) {
        byte[] bytes = change.encode();
        execute(() -> new MetadataCommand.Security(bytes), false, "change users or ACLs",
                new SecurityChangeRequest(bytes, true), ExtensionOpcodes.SECURITY_CHANGE);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMIT_TIMEOUT_MS);
        while (!security.reflects(change) && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5); // the commit reaches this follower within a heartbeat
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** SECURITY_CHANGE (internal): a change another node forwards to this node as the metadata leader. */
    public void securityChange(Session session, PayloadReader in, PayloadWriter out) {
        SecurityChangeRequest r = SecurityChangeRequest.read(in);
        try {
            SecurityChange.decode(r.change()); // a change every node's state machine could not apply is refused here
        } catch (IllegalArgumentException e) {
            throw new RequestException("invalid security change: " + e.getMessage());
        }
        execute(() -> new MetadataCommand.Security(r.change()), r.forwarded(), "change users or ACLs",
                new SecurityChangeRequest(r.change(), true), ExtensionOpcodes.SECURITY_CHANGE);
        SuccessResponse.OK.write(out);
    }

    /**
     * The node's transaction index, where the partition groups publish what their logs say about transactions for
     * the read paths; set before {@link #start}.
     */
    public void transactionIndex(TransactionIndex index) {
        index.holdUnknownPartitions();
        this.transactionIndex = index;
    }

    /**
     * Transactions in this cluster ({@link ClusterTransactions}): the node runs the coordinator while it leads the
     * metadata group. Call before {@link #start}; register the returned handlers.
     */
    public ClusterTransactions transactions(TopicManager topics, GroupCoordinator groups,
                                            ClusterTransactions.Opener opener,
                                            Function<TransactionCoordinator, TransactionRequests> requests) {
        ClusterTransactions t = new ClusterTransactions(members.self().id(), () -> group, () -> state,
                (command, what) -> {
                    RaftGroup<Boolean> g = requireStarted();
                    if (!g.isLeader()) {
                        throw new RequestException("not leader: node " + members.self().id() + " cannot " + what
                                + " (it does not lead the metadata group)");
                    }
                    replicate(g, command.encode(), what);
                }, leadership, forwarder, acknowledger(), topics, groups, opener, requests);
        transactions = t;
        return t;
    }

    /**
     * Delayed delivery in this cluster ({@link ClusterDelayed}): schedules replicated by the partition groups,
     * released by each partition's leader. Call before {@link #start}; register the returned handlers and start it
     * after {@link #start}.
     */
    public ClusterDelayed delayed(TopicManager topics, flymq.broker.topic.RecordExpiry expiry,
                                  flymq.broker.BrokerListener listener, long maxDelayMs) {
        ClusterDelayed d = new ClusterDelayed(members.self().id(), () -> replicas,
                () -> state == null ? Map.of() : state.clientAddrs(), topics, expiry, listener, maxDelayMs);
        delayed = d;
        return d;
    }

    /** Hooks that also hear the metadata group's events (telemetry: term, elections); set before {@link #start}. */
    public void observe(RaftListener observer) {
        this.observer = observer;
    }

    public PartitionLeadership leadership() {
        return leadership;
    }

    /**
     * Binds {@code cluster_addr} and starts this node's member of the metadata group; with state from an earlier
     * run it resumes from it (topics come back from the snapshot plus the replayed log).
     *
     * @throws UncheckedIOException when the port cannot be bound or the Raft state cannot be read
     */
    public void start(TopicManager topics, GroupCoordinator groups) {
        this.groups = groups;
        DataDirLayout layout = new DataDirLayout(config.dataDir());
        Path raftDir = layout.metadataRaftDir();
        if (schemas == null) {
            schemas = SchemaRegistry.inMemory(Compatibility.BACKWARD);
        }
        if (security == null) {
            security = SecurityStore.open(layout.securityFile());
        }
        state = new MetadataStateMachine(topics, groups, schemas, layout.metadataAppliedFile(), security);
        if (retryHolds != null) {
            state.retryHolds(retryHolds);
        }
        InetSocketAddress bind = RaftMember.parseAddress(config.clusterAddr());
        try {
            tcp = TcpClusterTransport.bind(new InetSocketAddress(bind.getHostString(), bind.getPort()),
                    new TcpClusterTransport.Limits(config.cluster().transportReadBytes(),
                            config.cluster().transportQueueBytes()), clusterAuth(config));
            transport = tuning.transport().apply(tcp);
            MetadataStateMachine sm = state;
            RaftStoreKey storeKey = raftStoreKey(config);
            replicas = new PartitionReplicas(members, layout, topics, transport,
                    tuning.partitions().andThen(b -> b.storeKey(storeKey)),
                    sm::clientAddrs, raftMemory, produceAdmission,
                    () -> new LeaderForwarder(forwardAdmission, forwardLogin, forwardTls),
                    new ReassignmentThrottle(config.placement().reassignmentBytesPerSec()));
            replicas.transactionIndex(transactionIndex);
            ClusterDelayed d = delayed;
            if (d != null) {
                replicas.onScheduled(d::wakeUp);
            }
            if (config.encryption().enabled()) {
                replicas.scheduleCipher(new flymq.storage.ValueCipher(config.encryption().key()));
            }
            state.replicas(replicas);
            // A joining node starts with the members it joins (itself not among them) and waits to be added; with
            // Raft state from an earlier run the member list comes from that state instead.
            RaftGroupConfig.Builder raftBuilder = RaftGroupConfig.builder(members.self(), members.configuredMembers())
                    .groupId(RaftGroupConfig.DEFAULT_GROUP_ID).dataDir(raftDir).memory(raftMemory)
                    // its own thread: its heartbeats must not wait behind thousands of partition groups' fsyncs
                    .ownThread(true);
            tuning.metadata().accept(raftBuilder);
            raftBuilder.storeKey(storeKey);
            RaftGroupConfig raftConfig = raftBuilder.build();
            state.onNodeRemoved(id -> PartitionDeparture.start(id, members.self(), this::partitionGroups));
            group = RaftGroup.start(raftConfig, transport, state, new Registrar().andThen(observer));
            RaftGroup<Boolean> started = group;
            members.follow(started::members);
            mover = new PartitionMover(members.self(), () -> state, () -> replicas, members::all,
                    this::finishReassignment, config.placement().leaderBalanceIntervalMs());
            mover.start();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot start the metadata Raft member " + members.self()
                    + " (cluster_addr " + config.clusterAddr() + ", state in " + raftDir.toAbsolutePath() + ")", e);
        }
        boolean member = group.members().contains(members.self());
        LOG.log(System.Logger.Level.INFO, "node " + members.self() + (member ? " runs in the metadata group of "
                : " waits to be added to the cluster of (flymq cluster join) ") + members.all());
    }

    /** The cluster secret, if any, with mutual TLS when {@code cluster.tls_enabled} (the files are read now). */
    private static ClusterAuth clusterAuth(BrokerConfig config) throws IOException {
        BrokerConfig.ClusterTls t = config.clusterTls();
        if (!t.enabled()) {
            return config.clusterAuth();
        }
        ServerTls tls = ServerTls.load(Path.of(t.certFile()), Path.of(t.keyFile()), Path.of(t.caFile()),
                TlsContexts.ClientAuth.REQUIRE, ServerTls.DEFAULT_HANDSHAKE_TIMEOUT);
        LOG.log(System.Logger.Level.INFO, "cluster transport: mutual TLS with " + t.certFile() + " ("
                + tls.certificate().getSubjectX500Principal().getName() + "), peers must chain to " + t.caFile());
        return config.clusterAuth().withTls(tls.forCluster());
    }

    /** The bound cluster listener's port, once {@link #start} has bound it. */
    public OptionalInt clusterPort() {
        TcpClusterTransport t = tcp;
        return t == null ? OptionalInt.empty() : OptionalInt.of(t.localAddress().getPort());
    }

    /** This node's partition groups (those started so far). */
    private List<RaftGroup<Long>> partitionGroups() {
        PartitionReplicas r = replicas;
        MetadataStateMachine sm = state;
        if (r == null || sm == null) {
            return List.of();
        }
        List<RaftGroup<Long>> all = new ArrayList<>();
        for (MetadataStateMachine.Assignment a : sm.assignments().values()) {
            for (int p = 0; p < a.topic().replicas().size(); p++) {
                r.group(a.topic().name(), p).ifPresent(all::add);
            }
        }
        return all;
    }

    /** CLUSTER_MEMBERSHIP (extension): {@code flymq cluster join / leave}; see {@link MembershipChanges}. */
    public void changeMembership(Session session, PayloadReader in, PayloadWriter out) {
        requireStarted();
        membership.handle(session, in, out);
    }

    /**
     * Wraps the handlers of the partition opcodes so that a request reaches the node owning the partition.
     *
     * @param opcode PRODUCE, PRODUCE_WITH_TTL, PRODUCE_DELAYED, CONSUME, CONSUME_ZERO_COPY, FETCH, FETCH_BINARY,
     *               BATCH_PRODUCE or BATCH_FETCH
     */
    public RequestHandler routed(int opcode, RequestHandler local, TopicManager topics) {
        Consumer<String> create = config.autoCreateTopics() ? name -> autoCreate(name, topics)
                : null;
        PartitionRouter router = new PartitionRouter(topics, leadership, forwarder, create);
        BatchRouter batches = new BatchRouter(topics, leadership, forwarder, create);
        return switch (opcode) {
            case Opcodes.PRODUCE -> router.produce(local);
            case Opcodes.PRODUCE_WITH_TTL, Opcodes.PRODUCE_DELAYED -> router.timedProduce(opcode, local);
            case Opcodes.CONSUME, Opcodes.CONSUME_ZERO_COPY -> router.consume(opcode, local);
            case Opcodes.FETCH, Opcodes.FETCH_BINARY -> router.fetch(opcode, local);
            case ExtensionOpcodes.BATCH_PRODUCE -> batches.batchProduce(local);
            case ExtensionOpcodes.BATCH_FETCH -> batches.batchFetch(local);
            default -> throw new IllegalArgumentException("opcode " + Opcodes.name(opcode) + " is not routed");
        };
    }


    /**
     * {@code local} run on the leader of the partition {@code target} names (the dead-letter queue opcodes: the
     * queue topic's partition), forwarded there like a PRODUCE.
     */
    public RequestHandler routedTo(int opcode, RequestHandler local,
                                   java.util.function.Function<flymq.protocol.PayloadReader,
                                           flymq.broker.cluster.RoutedRequest> target) {
        return new PartitionRouter(null, leadership, forwarder, null).routedTo(opcode, local, target);
    }

    /**
     * The acknowledgement seam in a cluster: a produced batch is proposed to the partition's Raft group and
     * answered by its acks ({@code performance.acks} for 1.26 PRODUCE, the request's for BATCH_PRODUCE): {@code all}
     * once a majority of the replicas committed it and this node appended it, {@code leader} once it is in the
     * leader's Raft log, {@code none} once it is handed to Raft (see {@link PartitionReplicas#replicate} and
     * docs/cluster.md, "acks").
     */
    public ProduceAcknowledger acknowledger() {
        return new ProduceAcknowledger() {
            @Override
            public long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch,
                                             Acks acks) {
                return appendAndAcknowledge(topic, partition, log, batch, acks, ProducerBatch.NONE);
            }

            @Override
            public long appendAndAcknowledge(String topic, int partition, PartitionLog log, List<Record> batch,
                                             Acks acks, ProducerBatch producer) {
                PartitionReplicas r = replicas;
                if (r == null) {
                    throw new RequestException("cluster member " + members.self().id() + " is not running");
                }
                return r.replicate(topic, partition, batch, state.clientAddrs(), acks, producer);
            }
        };
    }

    /** The running group (tests, status). */
    public RaftGroup<Boolean> group() {
        return group;
    }

    // ------------------------------------------------------------------ requests

    /** CREATE_TOPIC 0x03 in a cluster: a {@link CreateTopicRequest}, forwarded with its settings block and marker. */
    public void createTopic(Session session, PayloadReader in, PayloadWriter out) {
        CreateTopicRequest r = CreateTopicRequest.read(in);
        String name = r.topic();
        int partitions = r.partitions();
        // The SDKs' short form names no replication factor: the cluster default applies (see createCommand).
        TopicSettings s = new TopicSettings(partitions, -1, TopicSettings.DEFAULT, TopicSettings.DEFAULT,
                TopicSettings.DEFAULT, TopicSettings.DEFAULT);
        if (r.settings() != null) {
            CreateTopicRequest.Settings b = r.settings();
            s = new TopicSettings(partitions, b.replicationFactor(), b.retentionMs(), b.retentionBytes(),
                    b.segmentBytes(), b.segmentMs(), b.ttlMs());
        }
        TopicNames.validate(name);
        TopicSettings settings = s;
        execute(() -> createCommand(name, settings), r.forwarded(), "create topic " + name,
                forwardedCreate(name, settings), Opcodes.CREATE_TOPIC);
        SuccessResponse.OK.write(out);
    }

    private static CreateTopicRequest forwardedCreate(String name, TopicSettings s) {
        return new CreateTopicRequest(name, s.partitions(), new CreateTopicRequest.Settings(s.replicationFactor(),
                s.retentionMs(), s.retentionBytes(), s.segmentBytes(), s.segmentMs(), s.ttlMs()), true);
    }

    /**
     * CREATE_PARTITIONS 0xC5 in a cluster: a {@link CreatePartitionsRequest} → {@link SuccessResponse}. The metadata
     * leader checks the count against its copy of the topic (refusing fewer partitions than it has), places the new
     * partitions' replicas as a create would have placed them, and replicates ADD_PARTITIONS; every node then opens
     * the new partition logs and starts the Raft groups of the new partitions it holds (forwarded to the leader from
     * a follower, like CREATE_TOPIC). The answer comes once the command is committed; the new partitions elect their
     * leaders right after, as a new topic's do.
     */
    public void createPartitions(Session session, PayloadReader in, PayloadWriter out) {
        CreatePartitionsRequest r = CreatePartitionsRequest.read(in);
        String name = r.topic();
        boolean grown = execute(() -> addPartitionsCommand(name, r.partitions()), r.forwarded(),
                "grow topic " + name + " to " + r.partitions() + " partitions",
                new CreatePartitionsRequest(name, r.partitions(), true), ExtensionOpcodes.CREATE_PARTITIONS);
        if (!grown) {
            throw new RequestException("topic " + name + " was deleted or changed while it grew to " + r.partitions()
                    + " partitions; nothing changed, try again");
        }
        SuccessResponse.OK.write(out);
    }

    private MetadataCommand.AddPartitions addPartitionsCommand(String name, int partitions) {
        MetadataStateMachine.Assignment a = state.assignment(name)
                .orElseThrow(() -> new RequestException("topic not found: " + name));
        int current = a.topic().replicas().size();
        TopicManager.checkGrowth(name, current, partitions);
        List<RaftMember> voters = new ArrayList<>(group.committedMembers().votingMembers());
        voters.sort(Comparator.comparing(RaftMember::id));
        int rf = Math.min(a.topic().settings().replicationFactor(), voters.size());
        int start = Math.floorMod(name.hashCode(), voters.size());
        List<String> ids = voters.stream().map(RaftMember::id).toList();
        List<List<String>> added = new ArrayList<>(partitions - current);
        for (int p = current; p < partitions; p++) {
            added.add(BalancePlan.place(ids, start + p, rf, state.racks()));
        }
        return new MetadataCommand.AddPartitions(name, a.createIndex(), partitions, List.copyOf(added));
    }

    /** DELETE_TOPIC 0x09 in a cluster: a {@link DeleteTopicRequest} → {@link SuccessResponse}. */
    public void deleteTopic(Session session, PayloadReader in, PayloadWriter out) {
        DeleteTopicRequest r = DeleteTopicRequest.read(in);
        String name = r.topic();
        execute(() -> new DeleteTopic(name), r.forwarded(), "delete topic " + name,
                new DeleteTopicRequest(name, true), Opcodes.DELETE_TOPIC);
        SuccessResponse.OK.write(out);
    }

    /**
     * ALTER_TOPIC 0xC4 in a cluster: an {@link AlterTopicRequest} → {@link SuccessResponse}. The metadata leader checks
     * the change against its copy of the topic, then replicates it; every node applies it to its own topic files and
     * logs (forwarded to the leader from a follower, like CREATE_TOPIC).
     */
    public void alterTopic(Session session, PayloadReader in, PayloadWriter out) {
        AlterTopicRequest r = AlterTopicRequest.read(in);
        String name = r.topic();
        boolean altered = execute(() -> {
            state.topics().altered(name, r.settings()); // refuses an unknown key or a bad value before the log
            return new MetadataCommand.AlterTopic(name, r.settings());
        }, r.forwarded(), "change settings " + r.settings().keySet() + " of topic " + name,
                new AlterTopicRequest(name, r.settings(), true), ExtensionOpcodes.ALTER_TOPIC);
        if (!altered) {
            throw new RequestException("topic not found: " + name);
        }
        SuccessResponse.OK.write(out);
    }

    /**
     * COMMIT 0x06 in a cluster: a {@link CommitRequest} → {@link SuccessResponse}. The offset is checked
     * ({@link GroupCoordinator#checkOffset}) against this node's log when that shows it valid, else against the
     * partition leader's (this node's replica may lag behind): a node that does not lead the partition sends it there
     * as what it is, a RESET_OFFSET to that offset (forwarded, so it is served there). So a valid commit needs no
     * partition leader, as before the check. The commit then goes through the metadata group, so every node holds
     * the group's offset and a consumer that reconnects to another node (or survives a failover) resumes where it
     * committed.
     */
    public void commitOffset(Session session, PayloadReader in, PayloadWriter out) {
        CommitRequest r = CommitRequest.read(in);
        if (!r.forwarded() && !requireGroups().withinLocalLog(r.topic(), r.partition(), r.offset())) {
            PartitionLeader owner = leadership.leader(r.topic(), r.partition());
            if (r.offset() >= 0 && !owner.local() && !owner.leaderId().isEmpty()) {
                byte[] answer = toPartitionLeader(owner, Opcodes.RESET_OFFSET, "commit of " + r.group() + " on "
                        + r.topic() + "-" + r.partition(), new ResetOffsetRequest(r.topic(), r.group(),
                        r.partition(), "offset", OptionalLong.of(r.offset()), true));
                out.raw(answer, 0, answer.length);
                return;
            }
            requireGroups().checkOffset("COMMIT", r.topic(), r.group(), r.partition(), r.offset());
        }
        execute(() -> new MetadataCommand.CommitOffset(r.topic(), r.group(), r.partition(), r.offset()),
                r.forwarded(), "commit offset " + r.offset() + " of group " + r.group() + " for " + r.topic() + "-"
                        + r.partition(),
                new CommitRequest(r.topic(), r.group(), r.partition(), r.offset(), true), Opcodes.COMMIT);
        SuccessResponse.OK.write(out);
    }

    /**
     * RESET_OFFSET 0x61 in a cluster: a {@link ResetOffsetRequest} → {@link SuccessResponse}. {@code earliest},
     * {@code latest} and {@code timestamp} depend on the partition's log, and so does {@code offset} when this
     * node's log does not show it valid (like a COMMIT), so the target is resolved on the partition's leader (the
     * request is forwarded there, with {@code value} always present and the forwarded marker after it); the
     * resolved offset is then committed through the metadata group like a COMMIT, so it survives a failover and
     * every node answers GET_OFFSET with it.
     */
    public void resetOffset(Session session, PayloadReader in, PayloadWriter out) {
        ResetOffsetRequest r = ResetOffsetRequest.read(in);
        String topic = r.topic();
        String group = r.group();
        int partition = r.partition();
        String mode = r.mode();
        long value = r.value().orElse(0);
        boolean hasValue = ResetOffsetRequest.needsValue(mode);
        boolean forwarded = r.forwarded();
        PartitionLeader owner = leadership.leader(topic, partition);
        boolean resolvedHere = mode.equals("offset")
                && (value < 0 || requireGroups().withinLocalLog(topic, partition, value));
        if (!forwarded && !resolvedHere && !owner.local() && !owner.leaderId().isEmpty()) {
            byte[] answer = toPartitionLeader(owner, Opcodes.RESET_OFFSET, "reset of " + group + " on " + topic + "-"
                    + partition, new ResetOffsetRequest(topic, group, partition, mode, OptionalLong.of(value), true));
            out.raw(answer, 0, answer.length);
            return;
        }
        long target = requireGroups().resetTarget(topic, group, partition, mode,
                hasValue ? OptionalLong.of(value) : OptionalLong.empty());
        execute(() -> new MetadataCommand.CommitOffset(topic, group, partition, target), false,
                "reset offset of group " + group + " for " + topic + "-" + partition + " to " + target,
                new CommitRequest(topic, group, partition, target, true), Opcodes.COMMIT);
        SuccessResponse.OK.write(out);
    }

    /**
     * DELETE_GROUP 0x65 in a cluster: a {@link DeleteGroupRequest} (Python/Go: one topic; Java: every topic) →
     * {@link SuccessResponse}. Replicated through the metadata group, so the group is gone on
     * every node and stays gone after a failover. "consumer group not found" when the metadata leader does not
     * know it.
     */
    public void deleteGroup(Session session, PayloadReader in, PayloadWriter out) {
        DeleteGroupRequest r = DeleteGroupRequest.read(in);
        String t = r.allTopics() ? "" : r.topic();
        String g = r.group();
        boolean deleted = execute(() -> new MetadataCommand.DeleteGroup(t, g), r.forwarded(),
                "delete group " + g + (t.isEmpty() ? "" : " of topic " + t),
                new DeleteGroupRequest(r.topic(), g, true), Opcodes.DELETE_GROUP);
        if (!deleted) {
            throw new RequestException("consumer group not found: " + (t.isEmpty() ? g : t + ":" + g));
        }
        SuccessResponse.OK.write(out);
    }

    /** Sends a group request to the partition's leader, which resolves or checks it against its log. */
    private byte[] toPartitionLeader(PartitionLeader owner, int opcode, String what, WireMessage request) {
        if (owner.leaderAddr().isEmpty()) {
            throw new RequestException("not leader: leader_id=" + owner.leaderId() + " leader_addr= (" + what
                    + ": its client address is not known yet)");
        }
        return forwarder.call(owner.leaderId(), owner.leaderAddr(), opcode, request);
    }

    private GroupCoordinator requireGroups() {
        GroupCoordinator g = groups;
        if (g == null) {
            throw new RequestException("cluster member " + members.self().id() + " is not running");
        }
        return g;
    }

    /**
     * Auto-create on produce in a cluster: the topic is created through the metadata group (forwarded when this
     * node does not lead it) with {@code default_partitions}, and this node waits until it has applied it.
     */
    private void autoCreate(String name, TopicManager topics) {
        TopicNames.validate(name);
        TopicSettings s = new TopicSettings(config.defaultPartitions(), -1, TopicSettings.DEFAULT,
                TopicSettings.DEFAULT, TopicSettings.DEFAULT, TopicSettings.DEFAULT);
        execute(() -> createCommand(name, s), false, "auto-create topic " + name, forwardedCreate(name, s),
                Opcodes.CREATE_TOPIC);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMIT_TIMEOUT_MS);
        while (topics.find(name).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new RequestException("topic " + name + " was auto-created by the cluster but node "
                        + members.self().id() + " has not applied it within " + COMMIT_TIMEOUT_MS + " ms");
            }
            try {
                Thread.sleep(5); // the commit reaches this follower within a heartbeat
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RequestException("interrupted while auto-creating topic " + name);
            }
        }
    }

    /** CLUSTER_REGISTER (internal): a node announces its client address through the leader. */
    public void register(Session session, PayloadReader in, PayloadWriter out) {
        RegisterNodeRequest r = RegisterNodeRequest.read(in);
        execute(() -> new RegisterNode(r.nodeId(), r.clientAddr(), r.rack()), r.forwarded(),
                "register node " + r.nodeId(), new RegisterNodeRequest(r.nodeId(), r.clientAddr(), true, r.rack()),
                ExtensionOpcodes.CLUSTER_REGISTER);
        SuccessResponse.OK.write(out);
    }

    // ------------------------------------------------------------------ reassignment and balance

    /**
     * PARTITION_REASSIGN 0xC9 in a cluster: a {@link PartitionReassignRequest} → {@link SuccessResponse}. START and
     * CANCEL are checked by the metadata leader against its copy of the assignment and committed as
     * START_REASSIGNMENT / CANCEL_REASSIGNMENT; the partition's leader then carries the move out
     * ({@link PartitionMover}) and records FINISH_REASSIGNMENT (action 3) itself. Forwarded from a follower like
     * CREATE_TOPIC. The answer comes once the step is committed, not when the move is done ({@code REASSIGNMENTS}
     * shows that).
     */
    public void reassign(Session session, PayloadReader in, PayloadWriter out) {
        PartitionReassignRequest r = PartitionReassignRequest.read(in);
        String what = "reassign " + r.topic() + "-" + r.partition();
        boolean done = switch (r.action()) {
            case PartitionReassignRequest.START -> execute(() -> startCommand(r.topic(), r.partition(), r.replicas()),
                    r.forwarded(), what + " to " + r.replicas(), r.asForwarded(),
                    ExtensionOpcodes.PARTITION_REASSIGN);
            case PartitionReassignRequest.CANCEL -> execute(() -> {
                MetadataStateMachine.Reassignment m = state.reassignment(r.topic(), r.partition())
                        .orElseThrow(() -> new RequestException("partition " + r.topic() + "-" + r.partition()
                                + " has no reassignment in progress"));
                if (m.cancelling()) {
                    throw new RequestException("the reassignment of " + r.topic() + "-" + r.partition()
                            + " is already being cancelled (back to " + m.from() + ")");
                }
                return new MetadataCommand.CancelReassignment(r.topic(), m.createIndex(), r.partition());
            }, r.forwarded(), "cancel the reassignment of " + r.topic() + "-" + r.partition(), r.asForwarded(),
                    ExtensionOpcodes.PARTITION_REASSIGN);
            case PartitionReassignRequest.FINISH -> execute(() -> {
                long createIndex = state.reassignment(r.topic(), r.partition())
                        .map(MetadataStateMachine.Reassignment::createIndex).orElse(-1L);
                return new MetadataCommand.FinishReassignment(r.topic(), createIndex, r.partition(), r.replicas());
            }, r.forwarded(), "finish the reassignment of " + r.topic() + "-" + r.partition(), r.asForwarded(),
                    ExtensionOpcodes.PARTITION_REASSIGN);
            default -> throw new RequestException("partition reassign: unknown action " + r.action()
                    + " (expected 1 start or 2 cancel)");
        };
        if (!done) {
            throw new RequestException("cannot " + what + ": the topic or partition changed meanwhile (deleted, "
                    + "re-created, or a reassignment started, finished or was cancelled); nothing changed");
        }
        SuccessResponse.OK.write(out);
    }

    private MetadataCommand.StartReassignment startCommand(String topic, int partition, List<String> target) {
        MetadataStateMachine.Assignment a = state.assignment(topic)
                .orElseThrow(() -> new RequestException("topic not found: " + topic));
        int partitions = a.topic().replicas().size();
        if (partition < 0 || partition >= partitions) {
            throw new RequestException("partition " + partition + " of topic " + topic + " does not exist (0.."
                    + (partitions - 1) + ")");
        }
        if (target.isEmpty()) {
            throw new RequestException("cannot reassign " + topic + "-" + partition + ": the target replica list is "
                    + "empty");
        }
        if (new java.util.HashSet<>(target).size() != target.size()) {
            throw new RequestException("cannot reassign " + topic + "-" + partition + ": replica list " + target
                    + " names a node twice");
        }
        List<String> voters = group.committedMembers().votingMembers().stream().map(RaftMember::id).sorted().toList();
        for (String id : target) {
            if (!voters.contains(id)) {
                throw new RequestException("cannot reassign " + topic + "-" + partition + ": node " + id
                        + " is not a voting member of the cluster (members: " + String.join(",", voters) + ")");
            }
        }
        state.reassignment(topic, partition).ifPresent(m -> {
            throw new RequestException("partition " + topic + "-" + partition + " is already moving from "
                    + m.from() + " to " + m.to() + "; cancel it first (flymq cluster reassign --cancel)");
        });
        return new MetadataCommand.StartReassignment(topic, a.createIndex(), partition, target);
    }

    /** The partition leader's last step of a move ({@link PartitionMover}): record FINISH_REASSIGNMENT. */
    private void finishReassignment(MetadataStateMachine.Reassignment m, List<String> replicas) {
        RaftGroup<Boolean> g = requireStarted();
        PartitionReassignRequest finish = new PartitionReassignRequest(PartitionReassignRequest.FINISH, m.topic(),
                m.partition(), replicas, true);
        String what = "finish the reassignment of " + m.topic() + "-" + m.partition();
        if (g.isLeader()) {
            replicate(g, new MetadataCommand.FinishReassignment(m.topic(), m.createIndex(), m.partition(), replicas)
                    .encode(), what);
        } else {
            toMetadataLeader(g, false, what, finish, ExtensionOpcodes.PARTITION_REASSIGN);
        }
    }

    /** REASSIGNMENTS 0xCA: the moves in progress as this node has applied the metadata log. */
    public void reassignments(Session session, PayloadReader in, PayloadWriter out) {
        requireStarted();
        List<ReassignmentsResponse.Reassignment> all = new ArrayList<>();
        state.reassignments().values().stream()
                .sorted(Comparator.comparing(MetadataStateMachine.Reassignment::topic)
                        .thenComparingInt(MetadataStateMachine.Reassignment::partition))
                .forEach(m -> all.add(new ReassignmentsResponse.Reassignment(m.topic(), m.partition(), m.from(),
                        m.to(), m.cancelling())));
        List<ReassignmentsResponse.Reassignment> waiting = new ArrayList<>();
        for (MetadataCommand.StartReassignment q : state.queuedReassignments()) {
            waiting.add(new ReassignmentsResponse.Reassignment(q.topic(), q.partition(),
                    state.assignment(q.topic()).map(a -> a.replicas(q.partition())).orElse(List.of()), q.target(),
                    false));
        }
        new ReassignmentsResponse(all, waiting).write(out);
    }

    /** The number of reassignments in progress (metrics). */
    public int reassignmentsInProgress() {
        MetadataStateMachine sm = state;
        return sm == null ? 0 : sm.reassignments().size();
    }

    /**
     * CLUSTER_BALANCE 0xCB: a {@link ClusterBalanceRequest} → {@link ClusterBalanceResponse}. PLAN, REBALANCE and
     * DRAIN are computed by the metadata leader ({@link BalancePlan}) over the live voting members and their racks; a
     * follower forwards them once. REBALANCE and DRAIN then start a reassignment for every partition that moves and
     * has none in progress. ELECT_LEADERS is served by every node for the partitions it leads: the receiving node
     * passes it on, forwarded, to every other node and answers with all hand-overs.
     */
    public void balance(Session session, PayloadReader in, PayloadWriter out) {
        ClusterBalanceRequest r = ClusterBalanceRequest.read(in);
        RaftGroup<Boolean> g = requireStarted();
        if (r.action() == ClusterBalanceRequest.ELECT_LEADERS) {
            List<ClusterBalanceResponse.Move> moved = new ArrayList<>(mover.electPreferred());
            if (!r.forwarded()) {
                state.clientAddrs().forEach((id, addr) -> {
                    if (!id.equals(members.self().id()) && !addr.isEmpty()) {
                        try {
                            byte[] answer = forwarder.call(id, addr, ExtensionOpcodes.CLUSTER_BALANCE, r.asForwarded());
                            moved.addAll(ClusterBalanceResponse.read(new PayloadReader(answer)).moves());
                        } catch (RuntimeException e) {
                            LOG.log(System.Logger.Level.INFO, "elect-leaders: node " + id + " at " + addr
                                    + " did not answer: " + e.getMessage());
                        }
                    }
                });
            }
            new ClusterBalanceResponse(moved).write(out);
            return;
        }
        if (r.action() < ClusterBalanceRequest.PLAN || r.action() > ClusterBalanceRequest.DRAIN) {
            throw new RequestException("cluster balance: unknown action " + r.action()
                    + " (expected 1 plan, 2 rebalance, 3 drain or 4 elect leaders)");
        }
        if (!g.isLeader()) {
            byte[] answer = toMetadataLeader(g, r.forwarded(), "plan a rebalance", r.asForwarded(),
                    ExtensionOpcodes.CLUSTER_BALANCE);
            out.raw(answer, 0, answer.length);
            return;
        }
        Map<BalancePlan.Partition, List<String>> current = new java.util.TreeMap<>();
        state.assignments().values().forEach(a -> {
            for (int p = 0; p < a.topic().replicas().size(); p++) {
                current.put(new BalancePlan.Partition(a.topic().name(), p), a.replicas(p));
            }
        });
        List<String> voters = g.committedMembers().votingMembers().stream().map(RaftMember::id).toList();
        List<String> live = voters.stream().filter(leadership::online).toList();
        Map<BalancePlan.Partition, List<String>> plan;
        try {
            if (r.action() == ClusterBalanceRequest.DRAIN) {
                if (!voters.contains(r.nodeId())) {
                    throw new RequestException("cannot drain node " + r.nodeId() + ": it is not a voting member of "
                            + "the cluster (members: " + String.join(",", voters) + ")");
                }
                plan = BalancePlan.drain(current, r.nodeId(), live, state.racks());
            } else {
                plan = BalancePlan.rebalance(current, live, state.racks());
            }
        } catch (IllegalArgumentException e) {
            throw new RequestException(e.getMessage());
        }
        List<ClusterBalanceResponse.Move> moves = new ArrayList<>();
        BalancePlan.changes(current, plan).forEach((p, change) ->
                moves.add(new ClusterBalanceResponse.Move(p.topic(), p.partition(), change.get(0), change.get(1))));
        if (r.action() != ClusterBalanceRequest.PLAN) {
            // One command for the whole plan: it is recorded entirely or not at all, and the metadata group starts
            // its moves in waves of cluster.reassignment_max_concurrent (MetadataStateMachine.startQueued), so a
            // metadata leader failover neither loses nor repeats any of it.
            List<MetadataCommand.StartReassignment> queue = new ArrayList<>();
            for (ClusterBalanceResponse.Move m : moves) {
                if (state.reassignment(m.topic(), m.partition()).isPresent()
                        || state.queued(m.topic(), m.partition())) {
                    continue; // already moving or waiting: the next rebalance takes it into account
                }
                queue.add(startCommand(m.topic(), m.partition(), m.to()));
            }
            if (!queue.isEmpty()) {
                replicate(g, new MetadataCommand.QueueReassignments(config.placement().reassignmentMaxConcurrent(),
                        queue).encode(), "queue " + queue.size() + " reassignments");
            }
        }
        new ClusterBalanceResponse(moves).write(out);
    }

    /**
     * Replicates the command when this node leads the group; otherwise forwards {@code forwardedRequest} (which
     * carries the forwarded marker) once to the leader.
     */
    private boolean execute(Supplier<MetadataCommand> command, boolean forwarded, String what,
                            WireMessage forwardedRequest, int opcode) {
        RaftGroup<Boolean> g = requireStarted();
        if (g.isLeader()) {
            awaitLeaderApplied(g);
            try {
                return replicate(g, command.get().encode(), what);
            } catch (RaftGroupException e) {
                if (e.reason() != RaftGroupException.Reason.NOT_LEADER) {
                    throw new RequestException("cannot " + what + ": " + e.getMessage());
                }
                // lost leadership meanwhile: fall through to forwarding
            }
        }
        byte[] answer = toMetadataLeader(g, forwarded, what, forwardedRequest, opcode);
        return SuccessResponse.read(new PayloadReader(answer)).success();
    }

    /**
     * Once per term, before the leader builds a command from its state: waits until it has applied every entry its
     * log held when asked (bounded by the commit timeout). Commands are built from the leader's applied state
     * (replica placement reads the nodes' racks, a rebalance the current assignments), and a leader elected a moment
     * ago may not yet have applied what its predecessor committed: it learns that those entries are committed only
     * when the first entry of its own term commits, and a topic created before that was placed without the racks
     * registered just before. Past the bound, or when leadership moved meanwhile, the command goes ahead as before.
     */
    private void awaitLeaderApplied(RaftGroup<Boolean> g) {
        int term = g.term();
        if (appliedInTerm == term) {
            return;
        }
        try {
            RaftStatus status = g.status().get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (status.term() != term) {
                return;
            }
            g.awaitApplied(status.lastLogIndex()).get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            appliedInTerm = term;
        } catch (ExecutionException | TimeoutException e) {
            // not applied in time, or closing: build the command from what is applied, as before
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Forwards {@code forwardedRequest} once to the metadata leader and returns its answer payload; a request already
     * forwarded, or one with no leader or leader address known, is refused with the spec's {@code not leader: ...}.
     */
    private byte[] toMetadataLeader(RaftGroup<Boolean> g, boolean forwarded, String what,
                                    WireMessage forwardedRequest, int opcode) {
        Optional<RaftMember> leader = g.leader();
        if (leader.isEmpty()) {
            throw new RequestException("not leader: no leader elected (cannot " + what + " on node "
                    + members.self().id() + ")");
        }
        String leaderAddr = state.clientAddrs().getOrDefault(leader.get().id(), "");
        if (forwarded || leaderAddr.isEmpty() || leader.get().equals(members.self())) {
            throw new RequestException("not leader: leader_id=" + leader.get().id() + " leader_addr=" + leaderAddr
                    + " (cannot " + what + " on node " + members.self().id() + ")");
        }
        return forwarder.call(leader.get().id(), leaderAddr, opcode, forwardedRequest);
    }

    private boolean replicate(RaftGroup<Boolean> g, byte[] command, String what) {
        try {
            return g.replicate(command).get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS).result();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RequestException re) {
                throw re;
            }
            if (cause instanceof RaftGroupException rge) {
                throw rge;
            }
            throw new RequestException("cannot " + what + ": " + cause);
        } catch (TimeoutException e) {
            throw new RequestException("cannot " + what + ": not committed within " + COMMIT_TIMEOUT_MS
                    + " ms (is a majority of " + members.all() + " running?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted while waiting to " + what);
        }
    }

    private CreateTopic createCommand(String name, TopicSettings s) {
        // voters only: a node still joining as a learner gets partitions once it is promoted
        List<RaftMember> voters = new ArrayList<>(group.committedMembers().votingMembers());
        voters.sort(Comparator.comparing(RaftMember::id));
        int rf = s.replicationFactor() <= 0 ? Math.min(DEFAULT_REPLICATION_FACTOR, voters.size())
                : s.replicationFactor();
        if (rf > voters.size()) {
            throw new RequestException("replication factor " + rf + " for topic " + name + " exceeds the "
                    + voters.size() + " node(s) of the cluster");
        }
        int partitions = s.partitions() <= 0 ? 1 : s.partitions();
        if (partitions > TopicManager.MAX_PARTITIONS) {
            throw new RequestException("invalid partition count " + s.partitions() + " for topic " + name
                    + ": expected 1.." + TopicManager.MAX_PARTITIONS + " (0 means 1)");
        }
        int start = Math.floorMod(name.hashCode(), voters.size());
        List<String> ids = voters.stream().map(RaftMember::id).toList();
        List<List<String>> replicas = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            // ring order, no two replicas in one rack (cluster.rack) while unused racks remain
            replicas.add(BalancePlan.place(ids, start + p, rf, state.racks()));
        }
        TopicSettings resolved = new TopicSettings(partitions, rf, s.retentionMs(), s.retentionBytes(),
                s.segmentBytes(), s.segmentMs(), s.ttlMs());
        return new CreateTopic(name, resolved, System.currentTimeMillis(), List.copyOf(replicas));
    }

    private RaftGroup<Boolean> requireStarted() {
        RaftGroup<Boolean> g = group;
        if (g == null || closed) {
            throw new RequestException("cluster member " + members.self().id() + " is not running");
        }
        return g;
    }

    // ------------------------------------------------------------------ registration

    /** Registers this node's client address whenever a leader is known and the replicated table lacks it. */
    private final class Registrar implements RaftListener {
        @Override
        public void onLeaderChange(String groupId, Optional<RaftMember> leader, int term) {
            ClusterTransactions t = transactions;
            if (t != null) {
                t.leaderChanged();
            }
            if (leader.isEmpty() || closed) {
                return;
            }
            // Off the Raft thread: registering waits for a commit or a forwarded answer.
            Thread.ofVirtual().name("flymq-cluster-register").start(() -> registerSelf(leader.get()));
        }
    }

    private void registerSelf(RaftMember leader) {
        String addr = clientAddr.get();
        for (int attempt = 0; attempt < 50 && !closed; attempt++) {
            MetadataStateMachine sm = state;
            RaftGroup<Boolean> g = group;
            String rack = config.placement().rack();
            if (g != null && sm != null && addr.equals(sm.clientAddrs().get(members.self().id()))
                    && rack.equals(sm.racks().getOrDefault(members.self().id(), ""))) {
                return;
            }
            try {
                if (g != null) {
                    execute(() -> new RegisterNode(members.self().id(), addr, rack), false,
                            "register node " + members.self().id(),
                            new RegisterNodeRequest(members.self().id(), addr, true, rack),
                            ExtensionOpcodes.CLUSTER_REGISTER);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "registering " + members.self().id() + " with leader " + leader
                        + " failed, retrying: " + e.getMessage());
            }
            try {
                Thread.sleep(100); // the leader's own registration may not be committed yet: retry shortly
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ leadership

    private final class Leadership implements PartitionLeadership {
        @Override
        public String clusterId() {
            return "flymq-" + RaftGroupConfig.DEFAULT_GROUP_ID;
        }

        @Override
        public String localNodeId() {
            return members.self().id();
        }

        @Override
        public String controllerId() {
            RaftGroup<Boolean> g = group;
            return g == null ? "" : g.leader().map(RaftMember::id).orElse("");
        }

        @Override
        public long term() {
            RaftGroup<Boolean> g = group;
            return g == null ? 0 : g.term();
        }

        @Override
        public long commitIndex() {
            RaftGroup<Boolean> g = group;
            return g == null ? 0 : g.commitIndex();
        }

        @Override
        public List<ClusterStatusResponse.LedPartition> ledPartitions() {
            PartitionReplicas r = replicas;
            return r == null ? List.of() : r.ledPartitions();
        }

        @Override
        public List<ClusterNode> nodes() {
            RaftGroup<Boolean> g = group;
            List<RaftMember> all = g == null ? members.all() : g.members();
            List<RaftMember> voting = g == null ? all : g.effectiveMembers().votingMembers();
            String leaderId = controllerId();
            RaftStatus progress = leaderProgress(g);
            List<ClusterNode> nodes = new ArrayList<>(all.size());
            for (RaftMember m : all) {
                boolean leads = m.id().equals(leaderId);
                String role = leads ? "leader" : voting.contains(m) ? "follower" : "learner";
                long match = -1;
                if (progress != null) {
                    match = m.equals(members.self()) ? progress.lastLogIndex()
                            : progress.followerMatchIndex().getOrDefault(m.id(), -1L);
                }
                long lag = match < 0 ? -1 : Math.max(0, progress.lastLogIndex() - match);
                nodes.add(new ClusterNode(m.id(), addrOf(m.id()), m.address(), online(m.id()) ? "online" : "offline",
                        leads, role, match, lag));
            }
            return nodes;
        }

        /** The leader's report with each follower's match index; null on other nodes or when it does not come. */
        private RaftStatus leaderProgress(RaftGroup<Boolean> g) {
            if (g == null || !g.isLeader()) {
                return null;
            }
            try {
                return g.status().get(1, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        @Override
        public PartitionLeader leader(String topic, int partition) {
            MetadataStateMachine sm = state;
            var assignment = sm == null ? Optional.<MetadataStateMachine.Assignment>empty() : sm.assignment(topic);
            if (assignment.isEmpty()) {
                // Not (yet) in the replicated table, e.g. while the log is replayed after a restart.
                return new PartitionLeader("", "", 0, "offline", List.of(), List.of(), false);
            }
            List<String> replicaIds = assignment.get().replicas(partition);
            if (replicaIds.isEmpty()) {
                return new PartitionLeader("", "", 0, "offline", List.of(), List.of(), false);
            }
            PartitionReplicas r = replicas;
            Optional<RaftGroup<Long>> g = r == null ? Optional.empty() : r.group(topic, partition);
            if (g.isEmpty() && replicaIds.contains(members.self().id())) {
                // This node's replica group is still starting: the leader is not known here yet.
                return new PartitionLeader("", "", 0, "offline", replicaIds, List.of(), false);
            }
            if (g.isEmpty()) {
                // Not a replica here: requests go to the first assigned replica, which knows the real leader.
                String first = replicaIds.get(0);
                return new PartitionLeader(first, addrOf(first), 0, online(first) ? "online" : "offline",
                        replicaIds, List.of(), false);
            }
            RaftGroup<Long> group = g.get();
            Optional<RaftMember> leader = group.leader();
            if (leader.isEmpty()) {
                return new PartitionLeader("", "", group.term(), "offline", replicaIds, List.of(), false);
            }
            String leaderId = leader.get().id();
            // In sync: on the leader, the followers that acknowledged an append within the last second
            // (InSyncReplicas); elsewhere, the replicas the cluster transport reaches (an approximation).
            List<String> isr = group.isLeader()
                    ? r.inSync(topic, partition).map(t -> t.inSync(replicaIds, leaderId)).orElse(List.of(leaderId))
                    : replicaIds.stream().filter(this::online).toList();
            return new PartitionLeader(leaderId, addrOf(leaderId), group.term(), "online", replicaIds, isr,
                    group.isLeader());
        }

        @Override
        public boolean readable(String topic, int partition) {
            PartitionReplicas r = replicas;
            return r != null && r.readable(topic, partition);
        }

        private String addrOf(String nodeId) {
            MetadataStateMachine sm = state;
            String addr = sm == null ? null : sm.clientAddrs().get(nodeId);
            if (addr == null && nodeId.equals(members.self().id())) {
                addr = clientAddr.get();
            }
            return addr == null ? "" : addr;
        }

        private boolean online(String nodeId) {
            if (nodeId.equals(members.self().id())) {
                return !closed;
            }
            ClusterTransport t = transport;
            RaftGroup<Boolean> g = group;
            if (t == null || g == null) {
                return false;
            }
            return g.members().stream().filter(m -> m.id().equals(nodeId)).findFirst().map(t::isReachable)
                    .orElse(false);
        }
    }

    /** Leaves the group (peers see this node as failed), then closes the cluster port and forwarded links. */
    @Override
    public void close() {
        closed = true;
        try {
            if (mover != null) {
                mover.close();
            }
            if (transactions != null) {
                transactions.close();
            }
            if (delayed != null) {
                delayed.close(); // its thread proposes to the partition groups closed next
            }
            if (replicas != null) {
                replicas.close();
            }
            if (group != null) {
                group.close();
            }
        } finally {
            try {
                if (transport != null) {
                    transport.close();
                }
                if (tcp != null) {
                    tcp.close();
                }
            } finally {
                forwarder.close();
            }
        }
    }
}
