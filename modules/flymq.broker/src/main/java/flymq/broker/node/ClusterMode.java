package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.DataDirLayout;
import flymq.broker.auth.NodeLogin;
import flymq.broker.auth.SecurityChanges;
import flymq.broker.auth.SecurityStore;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.dlq.RetryHoldLog;
import flymq.broker.dlq.RetryHolds;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.group.GroupRequests;
import flymq.broker.observe.BrokerTelemetry;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.schema.Compatibility;
import flymq.broker.schema.SchemaChanges;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.replication.ClusterMembers;
import flymq.broker.replication.ClusterTuning;
import flymq.broker.replication.MetadataCluster;
import flymq.broker.server.HandlerRegistry;
import flymq.broker.server.RequestHandler;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicRequests;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.raft.RaftGroup;
import java.nio.file.Files;
import flymq.broker.replication.ClusterTransactions;
import flymq.broker.txn.TransactionCoordinator;
import flymq.broker.txn.TransactionIndex;
import flymq.broker.txn.TransactionRequests;
import java.util.Optional;
import java.util.function.Function;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * A member of a Raft cluster (peers configured): leadership, topic and group changes come from the metadata group,
 * produced batches are acknowledged through each partition's group, and partition requests are forwarded to the
 * partition's leader.
 */
final class ClusterMode implements NodeMode {
    private final MetadataCluster cluster;
    private final NodeLogin nodeLogin;
    private final DataDirLayout layout;

    /** @param clientAddr this node's client-facing {@code host:port}, known once the protocol server is bound */
    ClusterMode(BrokerConfig config, DataDirLayout layout, Supplier<String> clientAddr, ClusterTuning tuning) {
        this.cluster = new MetadataCluster(config, ClusterMembers.from(config), clientAddr, tuning);
        this.nodeLogin = MetadataCluster.nodeLogin(config);
        this.layout = layout;
    }

    @Override
    public PartitionLeadership leadership() {
        return cluster.leadership();
    }

    @Override
    public ProduceAcknowledger acknowledger() {
        return cluster.acknowledger();
    }

    @Override
    public boolean replicated() {
        return true;
    }

    @Override
    public boolean createsTopicsLocally() {
        return false;
    }

    @Override
    public int maxReplicationFactor() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void register(HandlerRegistry handlers, TopicRequests topics, GroupRequests groups) {
        handlers.register(Opcodes.CREATE_TOPIC, cluster::createTopic)
                .register(Opcodes.DELETE_TOPIC, cluster::deleteTopic)
                .register(ExtensionOpcodes.ALTER_TOPIC, cluster::alterTopic)
                .register(ExtensionOpcodes.CREATE_PARTITIONS, cluster::createPartitions)
                .register(Opcodes.COMMIT, cluster::commitOffset)
                .register(Opcodes.RESET_OFFSET, cluster::resetOffset)
                .register(Opcodes.DELETE_GROUP, cluster::deleteGroup)
                .register(ExtensionOpcodes.CLUSTER_REGISTER, cluster::register)
                .register(ExtensionOpcodes.CLUSTER_MEMBERSHIP, cluster::changeMembership)
                .register(ExtensionOpcodes.PARTITION_REASSIGN, cluster::reassign)
                .register(ExtensionOpcodes.REASSIGNMENTS, cluster::reassignments)
                .register(ExtensionOpcodes.CLUSTER_BALANCE, cluster::balance)
                .register(ExtensionOpcodes.SECURITY_CHANGE, cluster::securityChange);
    }

    @Override
    public RetryHoldLog retryHolds(DataDirLayout layout, RetryHolds holds) {
        cluster.retryHolds(holds);
        return cluster::recordRetryHold;
    }

    @Override
    public Optional<RequestHandler> retryHoldForwarded() {
        return Optional.of(cluster::retryHold);
    }

    @Override
    public NodeLogin nodeLogin() {
        return nodeLogin;
    }

    @Override
    public SecurityChanges security(SecurityStore store) {
        cluster.security(store);
        return cluster::submitSecurity;
    }

    @Override
    public SchemaRegistry schemaRegistry(DataDirLayout layout, Compatibility defaultCompatibility) {
        SchemaRegistry schemas = SchemaRegistry.inMemory(defaultCompatibility);
        cluster.schemaRegistry(schemas);
        return schemas;
    }

    @Override
    public SchemaChanges schemaChanges() {
        return cluster::schemaChange;
    }

    @Override
    public RequestHandler routed(int opcode, RequestHandler local, TopicManager topics) {
        return cluster.routed(opcode, local, topics);
    }

    @Override
    public RequestHandler routedTo(int opcode, RequestHandler local,
                                   java.util.function.Function<flymq.protocol.PayloadReader,
                                           flymq.broker.cluster.RoutedRequest> target) {
        return cluster.routedTo(opcode, local, target);
    }

    @Override
    public void observe(BrokerTelemetry telemetry) {
        // Raft state from an earlier run: the term it restores is not an election this node saw.
        cluster.observe(telemetry.raftListener(Files.isDirectory(layout.raftDir())));
    }

    @Override
    public void start(TopicManager topics, GroupCoordinator groups) {
        cluster.start(topics, groups);
    }

    @Override
    public void attach(BrokerTelemetry telemetry) {
        telemetry.attachCluster(cluster.group(), cluster::authFailures, cluster::reassignmentsInProgress);
    }

    @Override
    public Optional<RaftGroup<Boolean>> metadataGroup() {
        return Optional.ofNullable(cluster.group());
    }

    @Override
    public Optional<ClusterTransactions> clusterTransactions(TopicManager topics, GroupCoordinator groups,
                                                             TransactionIndex index,
                                                             ClusterTransactions.Opener opener,
                                                             Function<TransactionCoordinator,
                                                                     TransactionRequests> requests) {
        cluster.transactionIndex(index);
        return Optional.of(cluster.transactions(topics, groups, opener, requests));
    }

    @Override
    public Optional<flymq.broker.replication.ClusterDelayed> clusterDelayed(TopicManager topics,
                                                                            flymq.broker.topic.RecordExpiry expiry,
                                                                            flymq.broker.BrokerListener listener,
                                                                            long maxDelayMs) {
        return Optional.of(cluster.delayed(topics, expiry, listener, maxDelayMs));
    }

    @Override
    public OptionalInt clusterPort() {
        return cluster.clusterPort();
    }

    @Override
    public void close() {
        cluster.close();
    }
}
