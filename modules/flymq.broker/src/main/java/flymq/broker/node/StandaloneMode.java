package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.DataDirLayout;
import flymq.broker.auth.SecurityChanges;
import flymq.broker.auth.SecurityStore;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.cluster.SingleNodeLeadership;
import flymq.broker.dlq.RetryHoldLog;
import flymq.broker.dlq.RetryHolds;
import flymq.broker.dlq.RetryHoldFile;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.group.GroupRequests;
import flymq.broker.observe.BrokerTelemetry;
import flymq.broker.produce.LocalAcknowledger;
import flymq.broker.produce.ProduceAcknowledger;
import flymq.broker.schema.Compatibility;
import flymq.broker.schema.SchemaChanges;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.schema.SchemaStore;
import flymq.broker.server.HandlerRegistry;
import flymq.broker.server.RequestHandler;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicRequests;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.RequestException;
import flymq.raft.RaftGroup;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/** A broker with no peers configured: it leads every partition, appends locally and changes topics itself. */
final class StandaloneMode implements NodeMode {
    private final String nodeId;
    private final PartitionLeadership leadership;
    private final ProduceAcknowledger acknowledger;
    private SchemaRegistry schemas;

    /** @param clientAddr this node's client-facing {@code host:port}, known once the protocol server is bound */
    StandaloneMode(BrokerConfig config, Supplier<String> clientAddr) {
        this.nodeId = config.nodeId();
        this.leadership = new SingleNodeLeadership(config.nodeId(), clientAddr, config.clusterAddr());
        this.acknowledger = new LocalAcknowledger();
    }

    @Override
    public PartitionLeadership leadership() {
        return leadership;
    }

    @Override
    public ProduceAcknowledger acknowledger() {
        return acknowledger;
    }

    @Override
    public boolean replicated() {
        return false;
    }

    @Override
    public boolean createsTopicsLocally() {
        return true;
    }

    @Override
    public int maxReplicationFactor() {
        return leadership.nodes().size();
    }

    @Override
    public void register(HandlerRegistry handlers, TopicRequests topics, GroupRequests groups) {
        handlers.register(Opcodes.CREATE_TOPIC, topics::create)
                .register(Opcodes.DELETE_TOPIC, topics::delete)
                .register(ExtensionOpcodes.ALTER_TOPIC, topics::alter)
                .register(ExtensionOpcodes.CREATE_PARTITIONS, topics::createPartitions)
                .register(Opcodes.COMMIT, groups::commit)
                .register(Opcodes.RESET_OFFSET, groups::resetOffset)
                .register(Opcodes.DELETE_GROUP, groups::deleteGroup)
                .register(ExtensionOpcodes.CLUSTER_MEMBERSHIP, (session, in, out) -> {
                    throw new RequestException("node " + nodeId
                            + " runs as a single broker (no peers configured): its cluster membership cannot change");
                })
                .register(ExtensionOpcodes.PARTITION_REASSIGN, (session, in, out) -> {
                    throw new RequestException("node " + nodeId
                            + " runs as a single broker (no peers configured): every replica is on it");
                })
                .register(ExtensionOpcodes.REASSIGNMENTS, (session, in, out) ->
                        new flymq.protocol.message.ReassignmentsResponse(java.util.List.of()).write(out))
                .register(ExtensionOpcodes.CLUSTER_BALANCE, (session, in, out) -> {
                    int action = flymq.protocol.message.ClusterBalanceRequest.read(in).action();
                    if (action == flymq.protocol.message.ClusterBalanceRequest.PLAN
                            || action == flymq.protocol.message.ClusterBalanceRequest.ELECT_LEADERS) {
                        new flymq.protocol.message.ClusterBalanceResponse(java.util.List.of()).write(out);
                        return; // a single node is balanced: nothing to move
                    }
                    throw new RequestException("node " + nodeId
                            + " runs as a single broker (no peers configured): there is no other node to move to");
                });
    }

    @Override
    public SecurityChanges security(SecurityStore store) {
        return store::apply;
    }

    @Override
    public SchemaRegistry schemaRegistry(DataDirLayout layout, Compatibility defaultCompatibility) {
        schemas = SchemaRegistry.open(new SchemaStore(layout.schemasFile()), defaultCompatibility);
        return schemas;
    }

    @Override
    public SchemaChanges schemaChanges() {
        return SchemaChanges.local(schemas);
    }

    @Override
    public RequestHandler routed(int opcode, RequestHandler local, TopicManager topics) {
        return local;
    }

    @Override
    public RequestHandler routedTo(int opcode, RequestHandler local,
                                   java.util.function.Function<flymq.protocol.PayloadReader,
                                           flymq.broker.cluster.RoutedRequest> target) {
        return local;
    }

    @Override
    public void observe(BrokerTelemetry telemetry) {
    }

    @Override
    public void start(TopicManager topics, GroupCoordinator groups) {
    }

    @Override
    public void attach(BrokerTelemetry telemetry) {
    }

    @Override
    public Optional<RaftGroup<Boolean>> metadataGroup() {
        return Optional.empty();
    }

    @Override
    public OptionalInt clusterPort() {
        return OptionalInt.empty();
    }

    @Override
    public void close() {
    }

    @Override
    public RetryHoldLog retryHolds(DataDirLayout layout, RetryHolds holds) {
        return RetryHoldFile.open(layout.retryHoldsFile(), holds);
    }
}
