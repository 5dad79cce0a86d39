package flymq.broker.admin;

import flymq.admin.AdminBackend;
import flymq.admin.AdminException;
import flymq.broker.cluster.ClusterNode;
import flymq.broker.cluster.PartitionLeader;
import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.schema.SchemaFormat;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.schema.SchemaVersion;
import flymq.broker.server.HandlerRegistry;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.RequestGuard;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicSettings;
import flymq.broker.txn.PartitionView;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.AclListResponse;
import flymq.protocol.message.AclSetRequest;
import flymq.protocol.message.AlterTopicRequest;
import flymq.protocol.message.AuditExportRequest;
import flymq.protocol.message.AuditExportResponse;
import flymq.protocol.message.AuditQueryRequest;
import flymq.protocol.message.AuditQueryResponse;
import flymq.protocol.message.EmptyRequest;
import flymq.protocol.message.NameRequest;
import flymq.protocol.message.RoleListResponse;
import flymq.protocol.message.UserListResponse;
import flymq.protocol.message.UserRequest;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.DeleteGroupRequest;
import flymq.protocol.message.DeleteTopicRequest;
import flymq.protocol.message.DlqFetchRequest;
import flymq.protocol.message.DlqFetchResponse;
import flymq.protocol.message.DlqPurgeRequest;
import flymq.protocol.message.DlqPurgeResponse;
import flymq.protocol.message.DlqReplayRequest;
import flymq.protocol.message.DlqReplayResponse;
import flymq.protocol.message.RegisterSchemaRequest;
import flymq.protocol.message.ResetOffsetRequest;
import flymq.protocol.message.SchemaVersionRequest;
import flymq.protocol.message.WireMessage;
import flymq.storage.LogConfig;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.storage.StorageException;
import flymq.storage.StoredRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The broker behind the admin API. Reads come from this node's managers (topics, groups, the leadership seam), as
 * {@code CLUSTER_STATUS} and {@code METADATA} answer them. Writes are sent through this node's own request handlers
 * as the wire messages a client would send ({@code CREATE_TOPIC}, {@code DELETE_TOPIC}, {@code RESET_OFFSET},
 * {@code DELETE_GROUP}), so in a cluster they take the path a client's request takes (to the metadata leader, through
 * the Raft log) and the API needs no second implementation of any of them. They pass the node's request guard as the
 * API's caller, so access checks and the audit trail treat them as that user's wire requests.
 */
public final class BrokerAdminBackend implements AdminBackend {
    /** How long a write waits to see its effect in this node's view (a cluster applies it after the commit). */
    private static final long APPLY_WAIT_NANOS = 5_000_000_000L;
    private static final int MESSAGE_BYTES = 4 << 20;

    private final SchemaRegistry schemas;
    private final RecordExpiry expiry;
    private final TopicManager topics;
    private final GroupCoordinator groups;
    private final PartitionLeadership leadership;
    private final HandlerRegistry handlers;
    private final BooleanSupplier ready;
    private final Supplier<Traffic> traffic;

    public BrokerAdminBackend(TopicManager topics, GroupCoordinator groups, PartitionLeadership leadership,
                              HandlerRegistry handlers, BooleanSupplier ready, Supplier<Traffic> traffic) {
        this(topics, groups, leadership, handlers, ready, traffic, null);
    }

    /** @param schemas the node's schema registry (read here; changed through REGISTER/DELETE_SCHEMA), or null */
    public BrokerAdminBackend(TopicManager topics, GroupCoordinator groups, PartitionLeadership leadership,
                              HandlerRegistry handlers, BooleanSupplier ready, Supplier<Traffic> traffic,
                              SchemaRegistry schemas) {
        this(topics, groups, leadership, handlers, ready, traffic, schemas, null);
    }

    /** @param expiry the broker's TTL default, so a topic's effective TTL can be shown (null: shown as -1) */
    public BrokerAdminBackend(TopicManager topics, GroupCoordinator groups, PartitionLeadership leadership,
                              HandlerRegistry handlers, BooleanSupplier ready, Supplier<Traffic> traffic,
                              SchemaRegistry schemas, RecordExpiry expiry) {
        this.expiry = expiry;
        this.schemas = schemas;
        this.topics = topics;
        this.groups = groups;
        this.leadership = leadership;
        this.handlers = handlers;
        this.ready = ready;
        this.traffic = traffic;
    }

    @Override
    public ClusterInfo cluster() {
        return new ClusterInfo(leadership.clusterId(), leadership.localNodeId(), leadership.controllerId(),
                leadership.term(), leadership.commitIndex(), ready.getAsBoolean());
    }

    @Override
    public List<NodeInfo> nodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (ClusterNode n : leadership.nodes()) {
            out.add(new NodeInfo(n.nodeId(), n.clientAddr(), n.clusterAddr(), n.state(), n.role(), n.leader()));
        }
        return out;
    }

    @Override
    public List<PartitionAssignment> partitions() {
        List<PartitionAssignment> out = new ArrayList<>();
        for (Map.Entry<String, Integer> t : topics.partitionCounts().entrySet()) {
            for (int p = 0; p < t.getValue(); p++) {
                PartitionLeader l = leadership.leader(t.getKey(), p);
                out.add(new PartitionAssignment(t.getKey(), p, l.leaderId(), l.leaderAddr(), l.replicas(), l.isr(),
                        l.epoch(), l.state()));
            }
        }
        return out;
    }

    @Override
    public List<TopicInfo> topics() {
        List<TopicInfo> out = new ArrayList<>();
        for (String name : topics.names()) {
            topics.find(name).ifPresent(t -> out.add(info(t)));
        }
        return out;
    }

    @Override
    public Optional<TopicDetail> topic(String name) {
        return topics.find(name).map(t -> {
            List<PartitionInfo> parts = new ArrayList<>(t.partitionCount());
            for (int p = 0; p < t.partitionCount(); p++) {
                PartitionLog log = t.log(p);
                parts.add(new PartitionInfo(p, leadership.leader(name, p).leaderId(), log.startOffset(),
                        log.endOffset(), log.sizeInBytes(), log.segmentCount()));
            }
            return new TopicDetail(info(t), parts);
        });
    }

    private TopicInfo info(Topic t) {
        long messages = 0;
        long bytes = 0;
        for (PartitionLog log : t.logs()) {
            messages += log.endOffset() - log.startOffset();
            bytes += log.sizeInBytes();
        }
        LogConfig c = topics.effectiveConfig(t);
        return new TopicInfo(t.name(), t.partitionCount(), t.settings().replicationFactor(), messages, bytes,
                c.retentionMs(), c.retentionBytes(), c.segmentBytes(), c.segmentMs(), t.createdMs(),
                expiry == null ? -1 : expiry.ttlMs(t));
    }

    @Override
    public void createTopic(String caller, NewTopic topic) {
        if (topics.find(topic.name()).isPresent()) {
            throw AdminException.conflict("topic " + topic.name() + " exists");
        }
        send(caller, Opcodes.CREATE_TOPIC, new CreateTopicRequest(topic.name(), topic.partitions(),
                new CreateTopicRequest.Settings(topic.replicationFactor(), topic.retentionMs(),
                        topic.retentionBytes(), -1, -1), false));
        awaitApplied(() -> topics.find(topic.name()).isPresent());
    }

    @Override
    public void deleteTopic(String caller, String name) {
        if (topics.find(name).isEmpty()) {
            throw AdminException.notFound("topic not found: " + name);
        }
        send(caller, Opcodes.DELETE_TOPIC, new DeleteTopicRequest(name, false));
        awaitApplied(() -> topics.find(name).isEmpty());
    }

    // ------------------------------------------------------------------ users, roles, ACLs (the security opcodes)

    @Override
    public List<UserInfo> users(String caller) {
        return UserListResponse.read(exchange(caller, Opcodes.USER_LIST, EmptyRequest.INSTANCE)).users()
                .stream().map(BrokerAdminBackend::user).toList();
    }

    @Override
    public Optional<UserInfo> user(String caller, String name) {
        try {
            return Optional.of(user(flymq.protocol.message.UserInfo.read(exchange(caller, Opcodes.USER_GET,
                    new NameRequest(name)))));
        } catch (AdminException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public UserInfo createUser(String caller, String name, String password, List<String> roles) {
        return user(flymq.protocol.message.UserInfo.read(exchange(caller, Opcodes.USER_CREATE,
                new UserRequest(name, password, "", roles, true))));
    }

    @Override
    public UserInfo updateUser(String caller, String name, List<String> roles, Boolean enabled) {
        UserInfo now = user(caller, name).orElseThrow(() -> AdminException.notFound("user not found: " + name));
        // the wire's update always carries enabled, and an empty role list keeps the roles
        send(caller, Opcodes.USER_UPDATE, new UserRequest(name, "", "", roles == null ? List.of() : roles,
                enabled == null ? now.enabled() : enabled));
        return user(caller, name).orElseThrow(() -> AdminException.notFound("user not found: " + name));
    }

    @Override
    public void deleteUser(String caller, String name) {
        send(caller, Opcodes.USER_DELETE, new NameRequest(name));
    }

    @Override
    public void changePassword(String caller, String name, String oldPassword, String newPassword) {
        send(caller, Opcodes.PASSWORD_CHANGE, new UserRequest(name, newPassword, oldPassword, List.of(), true));
    }

    @Override
    public List<RoleInfo> roles(String caller) {
        return RoleListResponse.read(exchange(caller, Opcodes.ROLE_LIST, EmptyRequest.INSTANCE)).roles()
                .stream().map(r -> new RoleInfo(r.name(), r.permissions(), r.description())).toList();
    }

    @Override
    public Acls acls(String caller) {
        AclListResponse r = AclListResponse.read(exchange(caller, Opcodes.ACL_LIST, EmptyRequest.INSTANCE));
        return new Acls(r.acls().stream().map(a -> new AclInfo(a.topic(), a.exists(), a.isPublic(), a.users(),
                a.roles())).toList(), r.defaultPublic());
    }

    @Override
    public AclInfo acl(String caller, String topic) {
        flymq.protocol.message.AclInfo a = flymq.protocol.message.AclInfo.read(exchange(caller,
                Opcodes.ACL_GET, new NameRequest(topic)));
        return new AclInfo(a.topic(), a.exists(), a.isPublic(), a.users(), a.roles());
    }

    @Override
    public void setAcl(String caller, String topic, boolean isPublic, List<String> users, List<String> roles) {
        send(caller, Opcodes.ACL_SET, new AclSetRequest(topic, isPublic, users, roles));
    }

    @Override
    public void deleteAcl(String caller, String topic) {
        send(caller, Opcodes.ACL_DELETE, new NameRequest(topic));
    }

    @Override
    public AuditPage auditEvents(String caller, AuditFilter filter) {
        AuditQueryResponse r = AuditQueryResponse.read(exchange(caller, Opcodes.AUDIT_QUERY, query(filter)));
        return new AuditPage(r.events().stream().map(e -> new AuditEventInfo(e.id(), e.timestampMs(), e.type(),
                e.user(), e.clientIp(), e.resource(), e.action(), e.result(), e.nodeId(), e.details())).toList(),
                r.total(), r.hasMore());
    }

    @Override
    public byte[] exportAudit(String caller, AuditFilter filter, String format) {
        return AuditExportResponse.read(exchange(caller, Opcodes.AUDIT_EXPORT,
                new AuditExportRequest(query(filter), format))).data();
    }

    /** Sent as PARTITION_REASSIGN (start or cancel); the metadata leader records it, the move runs after. */
    @Override
    public void reassignPartition(String caller, String topic, int partition, List<String> replicas, boolean cancel) {
        topics.find(topic).filter(t -> partition >= 0 && partition < t.partitionCount())
                .orElseThrow(() -> AdminException.notFound("partition " + topic + "-" + partition + " not found"));
        send(caller, ExtensionOpcodes.PARTITION_REASSIGN, cancel
                ? flymq.protocol.message.PartitionReassignRequest.cancel(topic, partition)
                : flymq.protocol.message.PartitionReassignRequest.start(topic, partition, replicas));
    }

    @Override
    public List<PartitionMove> reassignments() {
        List<PartitionMove> all = new ArrayList<>();
        RequestHandler handler = handlers.handler(ExtensionOpcodes.REASSIGNMENTS);
        if (handler == null) {
            return all;
        }
        PayloadWriter answer = new PayloadWriter(64);
        handler.handle(new Session("admin-api"), new PayloadReader(new byte[0]), answer); // a read, open to all
        for (var m : flymq.protocol.message.ReassignmentsResponse.read(new PayloadReader(answer.toPayload()))
                .reassignments()) {
            all.add(new PartitionMove(m.topic(), m.partition(), m.from(), m.to(), m.cancelling()));
        }
        return all;
    }

    /** Sent as CLUSTER_BALANCE plan or rebalance. */
    @Override
    public List<PartitionMove> rebalance(String caller, boolean dryRun) {
        List<PartitionMove> all = new ArrayList<>();
        var request = new flymq.protocol.message.ClusterBalanceRequest(dryRun
                ? flymq.protocol.message.ClusterBalanceRequest.PLAN
                : flymq.protocol.message.ClusterBalanceRequest.REBALANCE, "", false);
        for (var m : flymq.protocol.message.ClusterBalanceResponse.read(exchange(caller,
                ExtensionOpcodes.CLUSTER_BALANCE, request)).moves()) {
            all.add(new PartitionMove(m.topic(), m.partition(), m.from(), m.to(), false));
        }
        return all;
    }

    /** The wire's filter counts whole seconds: a start is rounded down and an end up, so no event in range is lost. */
    private static AuditQueryRequest query(AuditFilter f) {
        return new AuditQueryRequest(f.startMs() / 1000, f.endMs() == 0 ? 0 : (f.endMs() + 999) / 1000, f.types(),
                f.user(), f.resource(), f.result(), f.search(), f.limit(), f.offset());
    }

    private static UserInfo user(flymq.protocol.message.UserInfo u) {
        return new UserInfo(u.username(), u.roles(), u.permissions(), u.enabled(), u.createdSeconds() * 1000,
                u.updatedSeconds() * 1000);
    }

    /** Sent as ALTER_TOPIC; in a cluster it returns once this node has applied the change. */
    @Override
    public void alterTopic(String caller, String name, Map<String, Long> changes) {
        Topic before = topics.find(name).orElseThrow(() -> AdminException.notFound("topic not found: " + name));
        TopicSettings wanted;
        try {
            wanted = before.settings().with(changes);
        } catch (RequestException e) {
            throw AdminException.badRequest(e.getMessage());
        }
        send(caller, ExtensionOpcodes.ALTER_TOPIC, new AlterTopicRequest(name, changes, false));
        awaitApplied(() -> topics.find(name).map(t -> t.createdMs() != before.createdMs()
                || t.settings().equals(wanted)).orElse(true));
    }

    @Override
    public List<GroupInfo> groups() {
        Map<String, List<GroupCoordinator.GroupSnapshot>> byName = byName();
        List<GroupInfo> out = new ArrayList<>();
        byName.forEach((name, snapshots) -> {
            Set<String> members = new LinkedHashSet<>();
            List<String> groupTopics = new ArrayList<>();
            long lag = 0;
            for (GroupCoordinator.GroupSnapshot g : snapshots) {
                members.addAll(g.members());
                groupTopics.add(g.topic());
                for (Map.Entry<Integer, Long> e : g.offsets().entrySet()) {
                    lag += groups.lagOf(g.topic(), e.getKey(), e.getValue());
                }
            }
            out.add(new GroupInfo(name, groupTopics, members.size(), lag));
        });
        return out;
    }

    @Override
    public Optional<GroupDetail> group(String name) {
        List<GroupCoordinator.GroupSnapshot> snapshots = byName().get(name);
        if (snapshots == null) {
            return Optional.empty();
        }
        Set<String> members = new LinkedHashSet<>();
        List<GroupPartition> partitions = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (GroupCoordinator.GroupSnapshot g : snapshots) {
            members.addAll(g.members());
            for (Map.Entry<Integer, Long> e : g.offsets().entrySet()) {
                int p = e.getKey();
                long committed = e.getValue();
                long end = endOffset(g.topic(), p);
                long lag = groups.lagOf(g.topic(), p, committed);
                partitions.add(new GroupPartition(g.topic(), p, committed, end, lag,
                        lag == 0 ? -1 : oldestUnreadAge(g.topic(), p, committed, now)));
            }
        }
        return Optional.of(new GroupDetail(name, members.size(), List.copyOf(members), partitions));
    }

    /** How long ago the first record after the committed offset was written; -1 when this node cannot read it. */
    private long oldestUnreadAge(String topic, int partition, long committed, long now) {
        try {
            PartitionLog log = topics.topic(topic).log(partition);
            List<StoredRecord> first = log.read(Math.max(committed, log.startOffset()), 1, 64 << 10);
            return first.isEmpty() ? -1 : Math.max(0, now - first.getFirst().timestamp());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private Map<String, List<GroupCoordinator.GroupSnapshot>> byName() {
        Map<String, List<GroupCoordinator.GroupSnapshot>> byName = new TreeMap<>();
        for (GroupCoordinator.GroupSnapshot g : groups.snapshot()) {
            byName.computeIfAbsent(g.group(), k -> new ArrayList<>()).add(g);
        }
        byName.values().forEach(l -> l.sort((a, b) -> a.topic().compareTo(b.topic())));
        return byName;
    }

    private long endOffset(String topic, int partition) {
        return topics.find(topic).filter(t -> partition < t.partitionCount())
                .map(t -> t.log(partition).endOffset()).orElse(0L);
    }

    @Override
    public void resetOffsets(String caller, String group, String topic, int partition, String mode, long value) {
        Topic t = topics.find(topic).orElseThrow(() -> AdminException.notFound("topic not found: " + topic));
        if (partition >= t.partitionCount()) {
            throw AdminException.notFound("topic " + topic + " has no partition " + partition);
        }
        int from = partition < 0 ? 0 : partition;
        int to = partition < 0 ? t.partitionCount() : partition + 1;
        for (int p = from; p < to; p++) {
            send(caller, Opcodes.RESET_OFFSET,
                    new ResetOffsetRequest(topic, group, p, mode, OptionalLong.of(value), false));
        }
    }

    @Override
    public void deleteGroup(String caller, String group, String topic) {
        send(caller, Opcodes.DELETE_GROUP, new DeleteGroupRequest(topic, group, false));
        awaitApplied(() -> groups.snapshot().stream()
                .noneMatch(g -> g.group().equals(group) && (topic == null || g.topic().equals(topic))));
    }

    @Override
    public MessagePage messages(String topic, int partition, long offset, int limit) {
        PartitionLog log = localLog(topic, partition);
        long start = log.startOffset();
        long end = log.endOffset();
        long from = Math.max(offset, start);
        if (from > end) {
            throw AdminException.badRequest("offset " + offset + " is past the end of " + topic + "/" + partition
                    + " (offsets " + start + ".." + end + ")");
        }
        List<StoredRecord> records;
        try {
            records = from == end ? List.of() : log.read(from, limit, MESSAGE_BYTES);
        } catch (OffsetOutOfRangeException e) {
            // retention deleted the segment between the bounds above and the read
            throw AdminException.badRequest(e.getMessage());
        } catch (StorageException e) {
            throw new AdminException(500, "storage_error", "cannot read " + topic + "/" + partition + ": "
                    + e.getMessage());
        }
        List<Message> messages = new ArrayList<>(records.size());
        for (StoredRecord r : records) {
            if (PartitionView.isMarker(r)) {
                continue; // transaction markers are never messages (the browser reads uncommitted otherwise)
            }
            List<Header> headers = r.headers().stream().map(h -> new Header(h.key(), h.value())).toList();
            messages.add(new Message(r.offset(), r.timestamp(), r.key() == null ? new byte[0] : r.key(), r.value(),
                    headers));
        }
        long next = records.isEmpty() ? from : records.getLast().offset() + 1;
        return new MessagePage(topic, partition, log.startOffset(), log.endOffset(), next, messages);
    }

    @Override
    public long offsetForTimestamp(String topic, int partition, long timestampMs) {
        return localLog(topic, partition).offsetForTimestamp(timestampMs);
    }

    /** This node's copy of a partition; 503 naming the leader when this node holds none. */
    private PartitionLog localLog(String topic, int partition) {
        Topic t = topics.find(topic).orElseThrow(() -> AdminException.notFound("topic not found: " + topic));
        if (partition < 0 || partition >= t.partitionCount()) {
            throw AdminException.notFound("topic " + topic + " has no partition " + partition + " (it has "
                    + t.partitionCount() + ")");
        }
        PartitionLeader l = leadership.leader(topic, partition);
        if (!l.replicas().isEmpty() && !l.replicas().contains(leadership.localNodeId())) {
            throw AdminException.unavailable("node " + leadership.localNodeId() + " holds no copy of " + topic + "/"
                    + partition + "; its replicas are " + l.replicas() + " (leader " + l.leaderId() + " at "
                    + l.leaderAddr() + ")");
        }
        return t.log(partition);
    }

    @Override
    public Traffic traffic() {
        return traffic.get();
    }

    @Override
    public List<SchemaInfo> schemas() {
        return requireSchemas().list("").stream().map(this::schemaInfo).toList();
    }

    @Override
    public Optional<SchemaInfo> schema(String name) {
        return requireSchemas().version(name, 0).map(this::schemaInfo);
    }

    /** Goes through REGISTER_SCHEMA, so in a cluster it reaches the metadata leader; answers from this node's copy. */
    @Override
    public SchemaInfo registerSchema(String caller, String name, String type, byte[] schema,
                                     String compatibility) {
        SchemaRegistry registry = requireSchemas();
        SchemaFormat format;
        try {
            format = SchemaFormat.fromWire(type);
        } catch (RequestException e) {
            throw AdminException.badRequest(e.getMessage());
        }
        send(caller, Opcodes.REGISTER_SCHEMA, new RegisterSchemaRequest(name, type, schema, compatibility, false));
        awaitApplied(() -> registered(registry, name, format, schema).isPresent());
        return schemaInfo(registered(registry, name, format, schema).orElseThrow());
    }

    private static Optional<SchemaVersion> registered(SchemaRegistry registry, String name, SchemaFormat format,
                                                      byte[] schema) {
        return registry.versions(name).stream()
                .filter(v -> v.format() == format && java.util.Arrays.equals(v.definition(), schema)).findFirst();
    }

    @Override
    public void deleteSchema(String caller, String name) {
        SchemaRegistry registry = requireSchemas();
        if (registry.versions(name).isEmpty()) {
            throw AdminException.notFound("schema subject '" + name + "' not found");
        }
        send(caller, Opcodes.DELETE_SCHEMA, new SchemaVersionRequest(name, 0, false));
        awaitApplied(() -> registry.versions(name).isEmpty());
    }

    private SchemaRegistry requireSchemas() {
        if (schemas == null) {
            throw new AdminException(501, "not_implemented", "this node has no schema registry");
        }
        return schemas;
    }

    private SchemaInfo schemaInfo(SchemaVersion v) {
        String text = v.format() == SchemaFormat.PROTOBUF ? java.util.Base64.getEncoder().encodeToString(v.definition())
                : new String(v.definition(), java.nio.charset.StandardCharsets.UTF_8);
        return new SchemaInfo(v.subject(), v.version(), v.id(), v.format().wireName(), text,
                schemas.compatibility(v.subject()).name(), v.registeredMs());
    }

    /**
     * Runs a request through this node's handler for {@code opcode}, as a connection would, on a session of its own
     * bound to the API's caller; a refusal becomes the API's error with a status that fits its text.
     */
    @Override
    public List<DeadLetter> deadLetters(String caller, String topic, int max) {
        List<DeadLetter> out = new ArrayList<>();
        for (DlqFetchResponse.Entry e : DlqFetchResponse.read(answer(caller, Opcodes.FETCH_DLQ,
                new DlqFetchRequest(topic, max))).messages()) {
            out.add(new DeadLetter(e.id(), e.data(), e.error(), e.retries()));
        }
        return out;
    }

    @Override
    public String replayDeadLetter(String caller, String topic, String id) {
        DlqReplayResponse r = DlqReplayResponse.read(answer(caller, Opcodes.REPLAY_DLQ,
                DlqReplayRequest.byId(topic, id)), false);
        if (!r.success()) {
            throw refusal(r.message());
        }
        return r.message();
    }

    @Override
    public String purgeDeadLetters(String caller, String topic) {
        DlqPurgeResponse r = DlqPurgeResponse.read(answer(caller, Opcodes.PURGE_DLQ, new DlqPurgeRequest(topic)));
        if (!r.success()) {
            throw refusal(r.message());
        }
        return r.message();
    }

    /** Like {@link #send}, for a request whose answer is needed: the answer's payload. */
    private PayloadReader answer(String caller, int opcode, WireMessage request) {
        RequestHandler handler = handlers.handler(opcode);
        if (handler == null) {
            throw AdminException.unavailable(Opcodes.name(opcode) + " is not served by this node");
        }
        PayloadWriter payload = new PayloadWriter(request.sizeHint());
        request.write(payload);
        PayloadWriter out = new PayloadWriter(256);
        try {
            Session session = new Session("admin-api");
            session.authenticate(caller);
            byte[] bytes = payload.toPayload();
            // the same access check and audit as the request would meet on the binary port
            RequestGuard guard = handlers.guard();
            guard.admit(session, opcode, new PayloadReader(bytes));
            handler.handle(session, new PayloadReader(bytes), out);
            if (guard.follows(opcode)) {
                guard.served(session, opcode, new PayloadReader(bytes));
            }
        } catch (RequestException | MalformedPayloadException e) {
            throw refusal(e.getMessage());
        } catch (StorageException e) {
            throw new AdminException(500, "storage_error", e.getMessage());
        }
        return new PayloadReader(out.toPayload());
    }

    private void send(String caller, int opcode, WireMessage request) {
        exchange(caller, opcode, request);
    }

    /** As {@link #send}, and gives the handler's answer payload to read. */
    private PayloadReader exchange(String caller, int opcode, WireMessage request) {
        RequestHandler handler = handlers.handler(opcode);
        if (handler == null) {
            throw AdminException.unavailable(Opcodes.name(opcode) + " is not served by this node");
        }
        PayloadWriter payload = new PayloadWriter(request.sizeHint());
        request.write(payload);
        try {
            Session session = new Session("admin-api");
            session.authenticate(caller);
            byte[] bytes = payload.toPayload();
            // the same access check and audit as the request would meet on the binary port
            RequestGuard guard = handlers.guard();
            guard.admit(session, opcode, new PayloadReader(bytes));
            PayloadWriter answer = new PayloadWriter(64);
            handler.handle(session, new PayloadReader(bytes), answer);
            if (guard.follows(opcode)) {
                guard.served(session, opcode, new PayloadReader(bytes));
            }
            return new PayloadReader(answer.toPayload());
        } catch (RequestException | MalformedPayloadException e) {
            throw refusal(e.getMessage());
        } catch (StorageException e) {
            throw new AdminException(500, "storage_error", e.getMessage());
        }
    }

    /** The status of a broker refusal, from the forms its messages take (docs/admin-api.md lists them). */
    static AdminException refusal(String message) {
        String m = message == null ? "refused" : message;
        if (m.startsWith("authentication required") || m.startsWith("unauthorized")
                || m.startsWith("user account is disabled")) {
            return new AdminException(403, "forbidden", m);
        }
        if (m.contains("not found")) {
            return AdminException.notFound(m);
        }
        if (m.startsWith("not leader") || m.startsWith("cluster busy") || m.contains("no leader")
                || m.contains("unavailable") || m.contains("timed out")) {
            return AdminException.unavailable(m);
        }
        if (m.contains("already exists") || m.contains("already moving")) {
            return AdminException.conflict(m);
        }
        return AdminException.badRequest(m);
    }

    /** Waits (bounded) until this node's view shows a write; a cluster applies a commit a moment after it. */
    private static void awaitApplied(BooleanSupplier applied) {
        long deadline = System.nanoTime() + APPLY_WAIT_NANOS;
        while (!applied.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw AdminException.unavailable("the change was accepted but this node has not applied it within "
                        + APPLY_WAIT_NANOS / 1_000_000_000 + " s; read it again shortly");
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }
}
