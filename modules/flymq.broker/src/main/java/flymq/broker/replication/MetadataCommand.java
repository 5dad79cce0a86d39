package flymq.broker.replication;

import flymq.broker.dlq.RetryHolds;
import flymq.broker.schema.SchemaChange;
import flymq.broker.topic.TopicSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A command of the metadata Raft group, and its binary form in the Raft log (big-endian, strings as
 * {@code u16 length + UTF-8} via {@link DataOutputStream#writeUTF}):
 * <pre>
 *   u8 type
 *   type 1 CREATE_TOPIC:  utf name · i32 partitions · i32 replication_factor · i64 retention_ms ·
 *                         i64 retention_bytes · i64 segment_bytes · i64 segment_ms · i64 created_ms ·
 *                         i32 n · n × (i32 r · r × utf replica_node_id)      replicas per partition, leader first
 *                         [· i64 ttl_ms]   the topic's TTL, only when it has one (not -1), so older commands read
 *   type 2 DELETE_TOPIC:  utf name
 *   type 3 REGISTER_NODE: utf node_id · utf client_addr · [utf rack]   the rack only when the node has one
 *   type 4 COMMIT_OFFSET: utf topic · utf group · i32 partition · i64 offset   (also a resolved RESET_OFFSET)
 *   type 5 DELETE_GROUP:  utf topic · utf group                               topic "" = the group on every topic
 *   type 6 NODE_REMOVED:  utf node_id      the node leaves: dropped from every partition's replicas
 *   type 7 ALTER_TOPIC:   utf name · u16 n · n × (utf key · i64 value)   settings changed, in order (ALTER_TOPIC
 *                         0xC4's keys; -1 = the broker default)
 *   type 8 ADD_PARTITIONS: utf name · i64 create_index · i32 partitions · i32 n · n × (i32 r · r × utf replica)
 *                         the topic (the incarnation created at create_index) grows to partitions in all; the
 *                         replicas of the n = partitions - old count new partitions, leader first
 *   type 9 START_REASSIGNMENT:  utf topic · i64 create_index · i32 partition · i32 r · r × utf target_replica
 *                         the partition (of the incarnation created at create_index) moves to the target replicas,
 *                         preferred leader first; its current replicas stay assigned until type 10
 *   type 10 FINISH_REASSIGNMENT: utf topic · i64 create_index · i32 partition · i32 r · r × utf replica
 *                         the partition's Raft group now has exactly these voters: they become its replicas
 *   type 11 CANCEL_REASSIGNMENT: utf topic · i64 create_index · i32 partition
 *                         the move is undone: its target becomes the replicas it had before (finished by type 10)
 *   type 19 QUEUE_REASSIGNMENTS: i32 limit · i32 n · n × (utf topic · i64 create_index · i32 partition · i32 r ·
 *                         r × utf target_replica)
 *                         a rebalance's or drain's moves, started in this order as type 9 would start them while
 *                         fewer than limit reassignments are in progress (0: no bound); the rest wait in the
 *                         replicated queue and start as earlier ones finish
 *   type 12 TXN_STATE:    i32 puts · puts × (utf key · i64 value) · i32 removes · removes × utf key
 *                         a change of the transaction coordinator's state (flymq.broker.txn.TransactionStore's keys),
 *                         applied by every node to its replicated copy, so the next coordinator reads it
 *   type 15 RETRY_HOLD:   utf group · utf topic · i32 partition · i64 offset · i32 failures · i64 not_before_ms
 *                         a consumer group's retry hold of a partition after it failed the record at offset
 *                         (flymq.broker.dlq.RetryHolds); not_before_ms 0 releases the hold
 *   type 16 SCHEMA:       the rest of the command is a schema registry change, flymq.broker.schema.SchemaChange's
 *                         binary form
 *   type 17 SECURITY:     i32 n · n bytes: a user or ACL change, flymq.broker.auth.SecurityChange's JSON form
 * </pre>
 * Unknown types or trailing bytes are rejected with the facts, never guessed at.
 */
sealed interface MetadataCommand {
    int CREATE = 1;
    int DELETE = 2;
    int REGISTER = 3;
    int COMMIT = 4;
    int DELETE_GROUP = 5;
    int NODE_REMOVED = 6;
    int ALTER = 7;
    int ADD_PARTITIONS = 8;
    int START_REASSIGNMENT = 9;
    int FINISH_REASSIGNMENT = 10;
    int CANCEL_REASSIGNMENT = 11;
    int TXN_STATE = 12;
    int RETRY_HOLD = 15;
    int QUEUE_REASSIGNMENTS = 19;
    int SCHEMA = 16;
    int SECURITY = 17;

    record CreateTopic(String name, TopicSettings settings, long createdMs, List<List<String>> replicas)
            implements MetadataCommand {

        CreateTopic withTtlMs(long ttlMs) {
            return new CreateTopic(name, settings.withTtlMs(ttlMs), createdMs, replicas);
        }
    }

    record DeleteTopic(String name) implements MetadataCommand {
    }

    /** A node's client address, and its rack ({@code cluster.rack}, "" = none) for replica placement. */
    record RegisterNode(String nodeId, String clientAddr, String rack) implements MetadataCommand {
        RegisterNode(String nodeId, String clientAddr) {
            this(nodeId, clientAddr, "");
        }
    }

    record CommitOffset(String topic, String group, int partition, long offset) implements MetadataCommand {
    }

    /** Forgets a consumer group's offsets and members; {@code topic} empty: on every topic (the Java SDK's form). */
    record DeleteGroup(String topic, String group) implements MetadataCommand {
    }

    /** A node leaves the cluster (flymq cluster leave): it no longer holds a replica of any partition. */
    record NodeRemoved(String nodeId) implements MetadataCommand {
    }

    /**
     * Changes settings of a topic (ALTER_TOPIC): every node merges {@code changes} into the topic's settings in log
     * order, so two changes of different keys both hold.
     */
    record AlterTopic(String name, java.util.Map<String, Long> changes) implements MetadataCommand {
        public AlterTopic {
            changes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(changes));
        }
    }

    /**
     * Grows a topic to {@code partitions} partitions (CREATE_PARTITIONS): {@code added} lists the replicas of the new
     * partitions, in partition order. Only the incarnation of the topic created at {@code createIndex} grows: one
     * deleted and re-created in between does not take another's growth.
     */
    record AddPartitions(String name, long createIndex, int partitions, List<List<String>> added)
            implements MetadataCommand {
    }

    /** A partition starts moving to {@code target} (preferred leader first); see {@link PartitionMover}. */
    record StartReassignment(String topic, long createIndex, int partition, List<String> target)
            implements MetadataCommand {
        public StartReassignment {
            target = List.copyOf(target);
        }
    }

    /** The partition's group has exactly {@code replicas} as voters: the move is done, they are its replicas. */
    record FinishReassignment(String topic, long createIndex, int partition, List<String> replicas)
            implements MetadataCommand {
        public FinishReassignment {
            replicas = List.copyOf(replicas);
        }
    }

    /**
     * Moves to start in waves (a rebalance or drain): each as {@link StartReassignment} would, in this order, while
     * fewer than {@code limit} reassignments are in progress ({@code cluster.reassignment_max_concurrent} of the
     * metadata leader that planned them; 0 = no bound); the others wait in the replicated queue.
     */
    record QueueReassignments(int limit, List<StartReassignment> moves) implements MetadataCommand {
        public QueueReassignments {
            moves = List.copyOf(moves);
        }
    }

    /** The move of a partition is undone: the group goes back to the replicas it had before. */
    record CancelReassignment(String topic, long createIndex, int partition) implements MetadataCommand {
    }

    /** A change of the transaction coordinator's state: puts, then removes (an empty one is a barrier). */
    record TxnState(java.util.Map<String, Long> puts, java.util.List<String> removes) implements MetadataCommand {
        public TxnState {
            puts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(puts));
            removes = List.copyOf(removes);
        }
    }

    /** A consumer group's retry hold of a partition (or its release), applied by every node's table. */
    record RetryHold(RetryHolds.Hold hold) implements MetadataCommand {
    }

    /** A schema registry change, applied by every node's registry in log order. */
    record Schema(SchemaChange change) implements MetadataCommand {
    }

    /** A user or ACL change (its encoded form, decoded where it is applied), applied by every node in log order. */
    record Security(byte[] change) implements MetadataCommand {
    }

    default byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            switch (this) {
                case CreateTopic c -> {
                    out.writeByte(CREATE);
                    out.writeUTF(c.name());
                    writeSettings(out, c.settings());
                    out.writeLong(c.createdMs());
                    writeReplicas(out, c.replicas());
                    if (c.settings().ttlMs() != TopicSettings.DEFAULT) {
                        out.writeLong(c.settings().ttlMs());
                    }
                }
                case DeleteTopic d -> {
                    out.writeByte(DELETE);
                    out.writeUTF(d.name());
                }
                case RegisterNode r -> {
                    out.writeByte(REGISTER);
                    out.writeUTF(r.nodeId());
                    out.writeUTF(r.clientAddr());
                    if (!r.rack().isEmpty()) {
                        out.writeUTF(r.rack());
                    }
                }
                case CommitOffset o -> {
                    out.writeByte(COMMIT);
                    out.writeUTF(o.topic());
                    out.writeUTF(o.group());
                    out.writeInt(o.partition());
                    out.writeLong(o.offset());
                }
                case DeleteGroup g -> {
                    out.writeByte(DELETE_GROUP);
                    out.writeUTF(g.topic());
                    out.writeUTF(g.group());
                }
                case NodeRemoved n -> {
                    out.writeByte(NODE_REMOVED);
                    out.writeUTF(n.nodeId());
                }
                case AlterTopic a -> {
                    out.writeByte(ALTER);
                    out.writeUTF(a.name());
                    out.writeShort(a.changes().size());
                    for (java.util.Map.Entry<String, Long> e : a.changes().entrySet()) {
                        out.writeUTF(e.getKey());
                        out.writeLong(e.getValue());
                    }
                }
                case AddPartitions a -> {
                    out.writeByte(ADD_PARTITIONS);
                    out.writeUTF(a.name());
                    out.writeLong(a.createIndex());
                    out.writeInt(a.partitions());
                    writeReplicas(out, a.added());
                }
                case StartReassignment r -> {
                    out.writeByte(START_REASSIGNMENT);
                    out.writeUTF(r.topic());
                    out.writeLong(r.createIndex());
                    out.writeInt(r.partition());
                    writeIds(out, r.target());
                }
                case QueueReassignments q -> {
                    out.writeByte(QUEUE_REASSIGNMENTS);
                    out.writeInt(q.limit());
                    out.writeInt(q.moves().size());
                    for (StartReassignment r : q.moves()) {
                        out.writeUTF(r.topic());
                        out.writeLong(r.createIndex());
                        out.writeInt(r.partition());
                        writeIds(out, r.target());
                    }
                }
                case FinishReassignment r -> {
                    out.writeByte(FINISH_REASSIGNMENT);
                    out.writeUTF(r.topic());
                    out.writeLong(r.createIndex());
                    out.writeInt(r.partition());
                    writeIds(out, r.replicas());
                }
                case CancelReassignment r -> {
                    out.writeByte(CANCEL_REASSIGNMENT);
                    out.writeUTF(r.topic());
                    out.writeLong(r.createIndex());
                    out.writeInt(r.partition());
                }
                case TxnState t -> {
                    out.writeByte(TXN_STATE);
                    out.writeInt(t.puts().size());
                    for (java.util.Map.Entry<String, Long> e : t.puts().entrySet()) {
                        out.writeUTF(e.getKey());
                        out.writeLong(e.getValue());
                    }
                    out.writeInt(t.removes().size());
                    for (String k : t.removes()) {
                        out.writeUTF(k);
                    }
                }
                case RetryHold r -> {
                    out.writeByte(RETRY_HOLD);
                    r.hold().writeTo(out);
                }
                case Schema s -> {
                    out.writeByte(SCHEMA);
                    out.write(s.change().encode());
                }
                case Security s -> {
                    out.writeByte(SECURITY);
                    out.writeInt(s.change().length);
                    out.write(s.change());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static MetadataCommand decode(byte[] command) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(command));
        try {
            int type = in.readUnsignedByte();
            MetadataCommand c = switch (type) {
                case CREATE -> {
                    CreateTopic create = new CreateTopic(in.readUTF(), readSettings(in), in.readLong(),
                            readReplicas(in));
                    yield in.available() >= 8 ? create.withTtlMs(in.readLong()) : create;
                }
                case DELETE -> new DeleteTopic(in.readUTF());
                case REGISTER -> new RegisterNode(in.readUTF(), in.readUTF(), in.available() > 0 ? in.readUTF() : "");
                case COMMIT -> new CommitOffset(in.readUTF(), in.readUTF(), in.readInt(), in.readLong());
                case DELETE_GROUP -> new DeleteGroup(in.readUTF(), in.readUTF());
                case NODE_REMOVED -> new NodeRemoved(in.readUTF());
                case ALTER -> {
                    String name = in.readUTF();
                    java.util.Map<String, Long> changes = new java.util.LinkedHashMap<>();
                    for (int n = in.readUnsignedShort(), i = 0; i < n; i++) {
                        changes.put(in.readUTF(), in.readLong());
                    }
                    yield new AlterTopic(name, changes);
                }
                case ADD_PARTITIONS -> new AddPartitions(in.readUTF(), in.readLong(), in.readInt(),
                        readReplicas(in));
                case START_REASSIGNMENT -> new StartReassignment(in.readUTF(), in.readLong(), in.readInt(),
                        readIds(in));
                case FINISH_REASSIGNMENT -> new FinishReassignment(in.readUTF(), in.readLong(), in.readInt(),
                        readIds(in));
                case CANCEL_REASSIGNMENT -> new CancelReassignment(in.readUTF(), in.readLong(), in.readInt());
                case QUEUE_REASSIGNMENTS -> {
                    int limit = in.readInt();
                    int n = in.readInt();
                    if (n < 0 || n > in.available() / 18) {
                        throw new IllegalArgumentException("queued reassignment count " + n + " impossible with "
                                + in.available() + " bytes left");
                    }
                    List<StartReassignment> moves = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        moves.add(new StartReassignment(in.readUTF(), in.readLong(), in.readInt(), readIds(in)));
                    }
                    yield new QueueReassignments(limit, moves);
                }
                case TXN_STATE -> {
                    java.util.Map<String, Long> puts = new java.util.LinkedHashMap<>();
                    for (int n = txnCount(in), i = 0; i < n; i++) {
                        puts.put(in.readUTF(), in.readLong());
                    }
                    List<String> removes = new ArrayList<>();
                    for (int n = txnCount(in), i = 0; i < n; i++) {
                        removes.add(in.readUTF());
                    }
                    yield new TxnState(puts, removes);
                }
                case RETRY_HOLD -> new RetryHold(RetryHolds.Hold.readFrom(in));
                case SCHEMA -> new Schema(SchemaChange.decode(in.readAllBytes()));
                case SECURITY -> {
                    int n = in.readInt();
                    if (n < 0 || n > in.available()) {
                        throw new IllegalArgumentException("security command declares " + n + " bytes, "
                                + in.available() + " follow");
                    }
                    byte[] change = new byte[n];
                    in.readFully(change);
                    yield new Security(change);
                }
                default -> throw new IllegalArgumentException("unknown metadata command type " + type + " ("
                        + command.length + " bytes)");
            };
            if (in.available() > 0) {
                throw new IllegalArgumentException("metadata command type " + type + " has " + in.available()
                        + " trailing bytes of " + command.length);
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated metadata command (" + command.length + " bytes): " + e, e);
        }
    }

    private static int txnCount(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() / 2) {
            throw new IOException("transaction state count " + n + " impossible with " + in.available()
                    + " bytes left");
        }
        return n;
    }

    static void writeSettings(DataOutputStream out, TopicSettings s) throws IOException {
        out.writeInt(s.partitions());
        out.writeInt(s.replicationFactor());
        out.writeLong(s.retentionMs());
        out.writeLong(s.retentionBytes());
        out.writeLong(s.segmentBytes());
        out.writeLong(s.segmentMs());
    }

    static TopicSettings readSettings(DataInputStream in) throws IOException {
        return new TopicSettings(in.readInt(), in.readInt(), in.readLong(), in.readLong(), in.readLong(),
                in.readLong());
    }

    static void writeReplicas(DataOutputStream out, List<List<String>> replicas) throws IOException {
        out.writeInt(replicas.size());
        for (List<String> r : replicas) {
            out.writeInt(r.size());
            for (String id : r) {
                out.writeUTF(id);
            }
        }
    }

    /** {@code i32 r · r × utf id}: one partition's replica list. */
    static void writeIds(DataOutputStream out, List<String> ids) throws IOException {
        out.writeInt(ids.size());
        for (String id : ids) {
            out.writeUTF(id);
        }
    }

    static List<String> readIds(DataInputStream in) throws IOException {
        int r = in.readInt();
        if (r < 0 || r > 1_000) {
            throw new IOException("replica count " + r + " outside 0..1000");
        }
        List<String> ids = new ArrayList<>(r);
        for (int i = 0; i < r; i++) {
            ids.add(in.readUTF());
        }
        return List.copyOf(ids);
    }

    static List<List<String>> readReplicas(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000) {
            throw new IOException("partition count " + n + " outside 0..10000");
        }
        List<List<String>> all = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            int r = in.readInt();
            if (r < 0 || r > 1_000) {
                throw new IOException("replica count " + r + " of partition " + p + " outside 0..1000");
            }
            List<String> ids = new ArrayList<>(r);
            for (int i = 0; i < r; i++) {
                ids.add(in.readUTF());
            }
            all.add(List.copyOf(ids));
        }
        return List.copyOf(all);
    }
}
