package flymq.broker.node;

import flymq.broker.DataDirLayout;
import flymq.broker.auth.NodeLogin;
import flymq.broker.auth.SecurityChanges;
import flymq.broker.auth.SecurityStore;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.cluster.RoutedRequest;
import flymq.broker.schema.Compatibility;
import flymq.broker.dlq.RetryHoldLog;
import flymq.broker.dlq.RetryHolds;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.group.GroupRequests;
import flymq.broker.observe.BrokerTelemetry;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.schema.SchemaChanges;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.server.HandlerRegistry;
import flymq.broker.server.RequestHandler;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicRequests;
import flymq.raft.RaftGroup;
import flymq.broker.replication.ClusterTransactions;
import flymq.broker.txn.TransactionCoordinator;
import flymq.broker.txn.TransactionIndex;
import flymq.broker.txn.TransactionRequests;
import java.util.Optional;
import java.util.function.Function;
import java.util.OptionalInt;

/**
 * What differs between a broker that is its own cluster ({@link StandaloneMode}) and a member of a Raft cluster
 * ({@link ClusterMode}), so that {@link BrokerNode} assembles both the same way: who leads each partition, when a
 * produced batch is acknowledged, which requests change state through the metadata group, how partition requests
 * reach their leader, and the Raft resources that start once the protocol server is bound.
 */
interface NodeMode extends AutoCloseable {

    PartitionLeadership leadership();

    ProduceAcknowledger acknowledger();

    /** Whether appends go through a partition's Raft group (the append span is then a Raft one). */
    boolean replicated();

    /**
     * Whether PRODUCE may create a missing topic on this node. In a cluster a topic exists only through the
     * metadata group, so never locally.
     */
    boolean createsTopicsLocally();

    /** The largest replication factor a topic may ask for here; in a cluster the metadata leader checks it. */
    int maxReplicationFactor();

    /**
     * Registers the opcodes whose handling depends on the mode: topic and group changes (local, or through the
     * metadata group) and cluster membership.
     */
    void register(HandlerRegistry handlers, TopicRequests topics, GroupRequests groups);

    /**
     * The schema registry of this node and how changes to it take effect: a single node's is kept in
     * {@code schemas.json} and changed at once; a cluster node's is rebuilt from the metadata group, which every
     * change goes through. Called once, before {@link #start}.
     */
    SchemaRegistry schemaRegistry(DataDirLayout layout, Compatibility defaultCompatibility);

    SchemaChanges schemaChanges();

    /**
     * Where user and ACL changes go: a single node applies them to {@code store} (which persists them) at once; a
     * cluster node commits them through the metadata Raft group, whose state machine applies them to
     * {@code store} on every node. Called once, before {@link #start}.
     */
    SecurityChanges security(SecurityStore store);

    /**
     * How other nodes log in to this one to forward requests ({@link NodeLogin}): through the cluster secret in a
     * cluster that has one; {@link NodeLogin#NONE} on a single node.
     */
    default NodeLogin nodeLogin() {
        return NodeLogin.NONE;
    }

    /** {@code local} as it must run here: on a single node unchanged, in a cluster on the partition's leader. */
    RequestHandler routed(int opcode, RequestHandler local, TopicManager topics);

    /**
     * {@code local} run on the leader of the partition {@code target} reads from the request: on a single node
     * unchanged; in a cluster forwarded to that leader (locally when this node leads it or no leader is known).
     */
    RequestHandler routedTo(int opcode, RequestHandler local,
                            java.util.function.Function<flymq.protocol.PayloadReader, RoutedRequest> target);

    /**
     * Where the consumer groups' retry holds go ({@code holds} is the node's table, which the read paths consult): a
     * single node keeps them in {@code <data_dir>/dlq/retry-holds}; a cluster node replicates them through the
     * metadata group, whose state machine fills {@code holds} on every node. Called once, before {@link #start}.
     */
    RetryHoldLog retryHolds(DataDirLayout layout, RetryHolds holds);

    /**
     * The handler of DLQ_NACK's node-to-node form ({@link flymq.protocol.message.RetryHoldRequest}): in a cluster
     * the metadata leader replicates the hold; a single node has none (the form is then refused like a nack without
     * a group).
     */
    default Optional<RequestHandler> retryHoldForwarded() {
        return Optional.empty();
    }

    /** Lets telemetry hear the metadata group's events; called before {@link #start}. */
    void observe(BrokerTelemetry telemetry);

    /** Starts what needs the bound protocol server and the recovered topics and groups. */
    void start(TopicManager topics, GroupCoordinator groups);

    /** Points telemetry at the running metadata group, if any; called once the node is ready. */
    void attach(BrokerTelemetry telemetry);

    /** The metadata Raft group's member, in a cluster. */
    Optional<RaftGroup<Boolean>> metadataGroup();

    /**
     * Transactions in a cluster (the coordinator runs on the metadata leader; requests elsewhere are forwarded);
     * empty on a single node, which runs its own coordinator. Called before {@link #start}, with the index the read
     * paths consult, which the partition groups keep current on every replica.
     */
    default Optional<ClusterTransactions> clusterTransactions(TopicManager topics, GroupCoordinator groups,
                                                              TransactionIndex index,
                                                              ClusterTransactions.Opener opener,
                                                              Function<TransactionCoordinator,
                                                                      TransactionRequests> requests) {
        return Optional.empty();
    }

    /**
     * Delayed delivery replicated through the partition groups (a cluster); a single node keeps its own schedule
     * ({@code DelayedDelivery}) and gets nothing here.
     */
    default Optional<flymq.broker.replication.ClusterDelayed> clusterDelayed(TopicManager topics,
                                                                             flymq.broker.topic.RecordExpiry expiry,
                                                                             flymq.broker.BrokerListener listener,
                                                                             long maxDelayMs) {
        return Optional.empty();
    }

    /** The bound cluster (Raft) port, in a cluster once started. */
    OptionalInt clusterPort();

    @Override
    void close();
}
