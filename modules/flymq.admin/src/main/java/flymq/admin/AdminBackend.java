package flymq.admin;

import java.util.List;
import java.util.Optional;

/**
 * What the admin API needs of a broker, implemented by the broker. Reads are answered from the node's own view
 * (in a cluster: the replicated metadata and the logs this node holds); writes go the way a client request would,
 * so that in a cluster they reach the node that must decide them. Every method may throw {@link AdminException}
 * for a refusal the caller should see (not found, bad value, no leader). Writes name the API's caller
 * ({@link Authenticator.Principal#name()}), so that the broker can act, check and audit as that user.
 */
public interface AdminBackend {

    /** This node's view of its cluster; a single node is a cluster of one that leads itself. */
    ClusterInfo cluster();

    /** Every node this node knows, itself included. */
    List<NodeInfo> nodes();

    /** Every partition of every topic with its leader, replicas and in-sync replicas. */
    List<PartitionAssignment> partitions();

    /** Every topic, sorted by name, internal ({@code __}) ones included. */
    List<TopicInfo> topics();

    /** One topic with its partitions, or empty when it does not exist. */
    Optional<TopicDetail> topic(String name);

    /** Creates a topic; {@link AdminException#conflict} when it exists. */
    void createTopic(String caller, NewTopic topic);

    /** Deletes a topic and its records; {@link AdminException#notFound} when it does not exist. */
    void deleteTopic(String caller, String name);

    /** The settings a topic's config can change, as {@link #alterTopic} takes them. */
    List<String> TOPIC_SETTINGS = List.of("retention_ms", "retention_bytes", "segment_bytes", "segment_ms", "ttl_ms");

    /**
     * Changes settings of an existing topic ({@link #TOPIC_SETTINGS}; -1 puts one back to the broker default): all of
     * them or, when one is refused ({@link AdminException#badRequest}, {@link AdminException#notFound}), none.
     */
    default void alterTopic(String caller, String name, java.util.Map<String, Long> changes) {
        throw new AdminException(501, "not_implemented", "this broker cannot change a topic's settings");
    }

    /** Every consumer group, sorted by name. */
    List<GroupInfo> groups();

    /** One group over every topic it has offsets in, or empty when no such group exists. */
    Optional<GroupDetail> group(String name);

    /**
     * Moves a group's committed offset: {@code mode} is {@code earliest}, {@code latest}, {@code offset} or
     * {@code timestamp} ({@code value} is the offset or the time in ms); {@code partition} -1 means every partition
     * of the topic.
     */
    void resetOffsets(String caller, String group, String topic, int partition, String mode, long value);

    /** Deletes a group's offsets in one topic, or in every topic when {@code topic} is null. */
    void deleteGroup(String caller, String group, String topic);

    /**
     * Up to {@code limit} records of one partition from {@code offset} on, read from this node's copy of the log.
     *
     * @throws AdminException not found (topic or partition), bad request (offset outside the log), or unavailable
     *                        when this node holds no copy of the partition
     */
    MessagePage messages(String topic, int partition, long offset, int limit);

    /** The first offset of a partition whose record time is at or after {@code timestampMs}. */
    long offsetForTimestamp(String topic, int partition, long timestampMs);

    /** Running totals the console's throughput and latency charts are drawn from (deltas between samples). */
    Traffic traffic();

    /**
     * Up to {@code max} dead letters of {@code topic}'s queue not replayed yet, oldest first (docs/dlq.md); empty
     * when the broker's dead-letter queues are off.
     */
    default List<DeadLetter> deadLetters(String caller, String topic, int max) {
        throw new AdminException(501, "not_implemented", "this broker has no dead-letter queues");
    }

    /** Copies dead letter {@code id} back into {@code topic} (once); the broker's text saying where it went. */
    default String replayDeadLetter(String caller, String topic, String id) {
        throw new AdminException(501, "not_implemented", "this broker has no dead-letter queues");
    }

    /** Deletes {@code topic}'s dead-letter queue; the broker's text saying how many went. */
    default String purgeDeadLetters(String caller, String topic) {
        throw new AdminException(501, "not_implemented", "this broker has no dead-letter queues");
    }

    /** A dead letter as FETCH_DLQ lists it: its id in the queue, the record's value, why it failed, its retries. */
    record DeadLetter(String id, byte[] data, String error, int retries) {
    }

    /** Every live schema version of the registry, by subject then version. */
    default List<SchemaInfo> schemas() {
        throw new AdminException(501, "not_implemented", "this broker has no schema registry");
    }

    /** The latest version of a subject, or empty when it does not exist. */
    default Optional<SchemaInfo> schema(String name) {
        throw new AdminException(501, "not_implemented", "this broker has no schema registry");
    }

    /**
     * Registers {@code schema} as the next version of {@code name} ({@code type} json, avro or protobuf;
     * {@code compatibility} empty keeps the subject's mode) and returns the version that holds it; a definition the
     * registry refuses (invalid, incompatible) is {@link AdminException#badRequest}.
     */
    default SchemaInfo registerSchema(String caller, String name, String type, byte[] schema,
                                      String compatibility) {
        throw new AdminException(501, "not_implemented", "this broker has no schema registry");
    }

    /** Deletes every version of a subject; {@link AdminException#notFound} when it does not exist. */
    default void deleteSchema(String caller, String name) {
        throw new AdminException(501, "not_implemented", "this broker has no schema registry");
    }

    /**
     * Every user of the broker's authentication, sorted by name ({@code auth.*}, docs/security.md). The security
     * reads name their caller too: the broker checks them as that user's requests.
     */
    default List<UserInfo> users(String caller) {
        throw new AdminException(501, "not_implemented", "this broker has no users");
    }

    /** One user, or empty when there is none of that name. */
    default Optional<UserInfo> user(String caller, String name) {
        throw new AdminException(501, "not_implemented", "this broker has no users");
    }

    /** Creates a user; {@link AdminException#conflict} when one of that name exists. */
    default UserInfo createUser(String caller, String name, String password, List<String> roles) {
        throw new AdminException(501, "not_implemented", "this broker has no users");
    }

    /** Changes a user's roles (null: kept) and whether it may log in (null: kept). */
    default UserInfo updateUser(String caller, String name, List<String> roles, Boolean enabled) {
        throw new AdminException(501, "not_implemented", "this broker has no users");
    }

    /** Deletes a user; {@link AdminException#notFound} when there is none. */
    default void deleteUser(String caller, String name) {
        throw new AdminException(501, "not_implemented", "this broker has no users");
    }

    /** Sets a user's password; {@code oldPassword} is needed when users change their own. */
    default void changePassword(String caller, String name, String oldPassword, String newPassword) {
        throw new AdminException(501, "not_implemented", "this broker has no users");
    }

    /** The roles users can have and what each permits. */
    default List<RoleInfo> roles(String caller) {
        throw new AdminException(501, "not_implemented", "this broker has no roles");
    }

    /** Every topic ACL, sorted by topic; topics without one follow {@link Acls#defaultPublic()}. */
    default Acls acls(String caller) {
        throw new AdminException(501, "not_implemented", "this broker has no ACLs");
    }

    /** A topic's ACL ({@code exists} false: the topic has none and follows the default). */
    default AclInfo acl(String caller, String topic) {
        throw new AdminException(501, "not_implemented", "this broker has no ACLs");
    }

    /** Replaces a topic's ACL. */
    default void setAcl(String caller, String topic, boolean isPublic, List<String> users, List<String> roles) {
        throw new AdminException(501, "not_implemented", "this broker has no ACLs");
    }

    /** Removes a topic's ACL; {@link AdminException#notFound} when it has none. */
    default void deleteAcl(String caller, String topic) {
        throw new AdminException(501, "not_implemented", "this broker has no ACLs");
    }

    /** A page of the audit trail matching {@code filter}, newest first as the broker keeps it. */
    default AuditPage auditEvents(String caller, AuditFilter filter) {
        throw new AdminException(501, "not_implemented", "this broker has no audit trail");
    }

    /** Every audit event matching {@code filter} as a file: {@code format} json or csv. */
    default byte[] exportAudit(String caller, AuditFilter filter, String format) {
        throw new AdminException(501, "not_implemented", "this broker has no audit trail");
    }

    /**
     * Which audit events to read: times in Unix ms (0 = unbounded), empty lists and texts do not filter; limit 0 =
     * the broker's page size.
     */
    record AuditFilter(long startMs, long endMs, List<String> types, String user, String resource, String result,
                       String search, int limit, int offset) {
        public AuditFilter {
            types = List.copyOf(types);
        }
    }

    /** One audit event. */
    record AuditEventInfo(String id, long timestampMs, String type, String user, String clientIp, String resource,
                          String action, String result, String nodeId, java.util.Map<String, String> details) {
        public AuditEventInfo {
            details = java.util.Map.copyOf(details);
        }
    }

    /** A page of audit events: {@code total} matching, {@code hasMore} when a later page holds more. */
    record AuditPage(List<AuditEventInfo> events, int total, boolean hasMore) {
        public AuditPage {
            events = List.copyOf(events);
        }
    }

    /** A user as upstream's API shows one (never a password or its hash). Times in Unix ms. */
    record UserInfo(String username, List<String> roles, List<String> permissions, boolean enabled,
                    long createdAtMs, long updatedAtMs) {
        public UserInfo {
            roles = List.copyOf(roles);
            permissions = List.copyOf(permissions);
        }
    }

    /** A role and its permissions (read, write, admin). */
    record RoleInfo(String name, List<String> permissions, String description) {
        public RoleInfo {
            permissions = List.copyOf(permissions);
        }
    }

    /** A topic's ACL: public to every user, or open to the users and roles listed. */
    record AclInfo(String topic, boolean exists, boolean isPublic, List<String> users, List<String> roles) {
        public AclInfo {
            users = List.copyOf(users);
            roles = List.copyOf(roles);
        }
    }

    /** Every topic ACL and what decides the topics without one. */
    record Acls(List<AclInfo> acls, boolean defaultPublic) {
        public Acls {
            acls = List.copyOf(acls);
        }
    }

    /**
     * A registered schema version: upstream's {@code SchemaInfo} ({@code name}, {@code version}, {@code type},
     * {@code schema}, {@code created_at}) plus the registry-wide id and the subject's compatibility mode. A
     * Protobuf {@code schema} is its descriptor set in base64.
     */
    record SchemaInfo(String name, int version, int id, String type, String schema, String compatibility,
                      long createdAtMs) {
    }

    /**
     * Moves a partition's replicas to {@code replicas} (preferred leader first), or with {@code cancel} sends a move
     * in progress back; returns once the move is recorded (PARTITION_REASSIGN). A single node refuses (400).
     */
    default void reassignPartition(String caller, String topic, int partition, List<String> replicas,
                                   boolean cancel) {
        throw new AdminException(501, "not_implemented", "this broker cannot move partitions");
    }

    /** The partition moves in progress (REASSIGNMENTS). */
    default List<PartitionMove> reassignments() {
        return List.of();
    }

    /** The rebalance plan, started as moves unless {@code dryRun} (CLUSTER_BALANCE). */
    default List<PartitionMove> rebalance(String caller, boolean dryRun) {
        throw new AdminException(501, "not_implemented", "this broker cannot move partitions");
    }

    /** A partition's replicas before and after a move (first = preferred leader); {@code cancelling} after a cancel. */
    record PartitionMove(String topic, int partition, List<String> from, List<String> to, boolean cancelling) {
        public PartitionMove {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    /** Cluster facts: {@code leaderId} empty when no leader is known. */
    record ClusterInfo(String clusterId, String nodeId, String leaderId, long raftTerm, long raftCommitIndex,
                       boolean ready) {
    }

    /** A node: its client address, cluster (Raft) address, state and Raft role. */
    record NodeInfo(String id, String address, String clusterAddr, String state, String raftState,
                    boolean isLeader) {
    }

    /** Where a partition lives. {@code state} is {@code online} while a leader is known, else {@code offline}. */
    record PartitionAssignment(String topic, int partition, String leader, String leaderAddr, List<String> replicas,
                               List<String> isr, long epoch, String state) {
        public PartitionAssignment {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    /**
     * A topic and its effective settings (broker defaults applied). Sizes and counts are what this node holds.
     * {@code retentionMs}/{@code retentionBytes} 0 = unlimited; {@code ttlMs} the time to live of records produced
     * without one of their own, 0 = they never expire, -1 = not known.
     */
    record TopicInfo(String name, int partitions, int replicationFactor, long messageCount, long sizeBytes,
                     long retentionMs, long retentionBytes, long segmentBytes, long segmentMs, long createdAtMs,
                     long ttlMs) {

        /** Without a known TTL. */
        public TopicInfo(String name, int partitions, int replicationFactor, long messageCount, long sizeBytes,
                         long retentionMs, long retentionBytes, long segmentBytes, long segmentMs, long createdAtMs) {
            this(name, partitions, replicationFactor, messageCount, sizeBytes, retentionMs, retentionBytes,
                    segmentBytes, segmentMs, createdAtMs, -1);
        }
    }

    /** A topic with the state of each partition. */
    record TopicDetail(TopicInfo topic, List<PartitionInfo> partitions) {
        public TopicDetail {
            partitions = List.copyOf(partitions);
        }
    }

    /** One partition's log: first retained offset, next offset to assign, bytes on disk, segment files. */
    record PartitionInfo(int partition, String leader, long startOffset, long endOffset, long sizeBytes,
                         int segments) {
    }

    /** A topic to create; -1 in a setting means the broker default, 0 partitions means 1. */
    record NewTopic(String name, int partitions, int replicationFactor, long retentionMs, long retentionBytes) {
    }

    /** A group: the topics it has offsets in, its live members and its total lag. */
    record GroupInfo(String name, List<String> topics, int members, long lag) {
        public GroupInfo {
            topics = List.copyOf(topics);
        }
    }

    /** A group's position in every partition it has committed in. */
    record GroupDetail(String name, int members, List<String> memberIds, List<GroupPartition> partitions) {
        public GroupDetail {
            memberIds = List.copyOf(memberIds);
            partitions = List.copyOf(partitions);
        }
    }

    /**
     * A group's position in one partition: {@code lag} records after its committed offset; {@code lagMillis} how
     * long ago the oldest of them was written (-1 when there is no lag or this node cannot read the record).
     */
    record GroupPartition(String topic, int partition, long committedOffset, long endOffset, long lag,
                          long lagMillis) {
    }

    /** A run of records: {@code nextOffset} is where the next page starts. */
    record MessagePage(String topic, int partition, long startOffset, long endOffset, long nextOffset,
                       List<Message> messages) {
        public MessagePage {
            messages = List.copyOf(messages);
        }
    }

    /** One stored record; {@code key} is empty for a record without key. */
    record Message(long offset, long timestampMs, byte[] key, byte[] value, List<Header> headers) {
        public Message {
            headers = List.copyOf(headers);
        }
    }

    /** One record header. */
    record Header(String key, byte[] value) {
    }

    /**
     * Running totals since the node started (they may step back when a topic is deleted):
     * records and bytes produced and consumed, produce requests and the sum of their latencies.
     */
    record Traffic(long messagesIn, long bytesIn, long messagesOut, long bytesOut, long produceRequests,
                   long produceLatencyNanos) {
        public static final Traffic NONE = new Traffic(0, 0, 0, 0, 0, 0);
    }
}
