package flymq.broker.replication;

import flymq.broker.auth.SecurityChange;
import flymq.broker.auth.SecurityStore;
import flymq.broker.dlq.RetryHolds;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.replication.MetadataCommand.CommitOffset;
import flymq.broker.replication.MetadataCommand.CreateTopic;
import flymq.protocol.RequestException;
import flymq.broker.replication.MetadataCommand.DeleteGroup;
import flymq.broker.replication.MetadataCommand.DeleteTopic;
import flymq.broker.replication.MetadataCommand.NodeRemoved;
import flymq.broker.replication.MetadataCommand.RegisterNode;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicSettings;
import flymq.protocol.message.AlterTopicRequest;
import flymq.raft.ReplicatedStateMachine;
import flymq.storage.AtomicFile;
import flymq.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The replicated cluster metadata: topics with their partition assignment, and each node's client address.
 * Applying a command changes the in-memory tables and, for topics, the node's own {@link TopicManager}
 * ({@code topics.json} and the partition logs).
 *
 * <p><b>{@code applied.index}</b> (8 bytes, big-endian: the highest Raft index whose effect on the local
 * {@link TopicManager} is done; replaced atomically). After a restart MicroRaft replays the log from the last
 * snapshot; commands at or below this index only rebuild the tables and leave the topic files alone. Without it,
 * replaying "create t, delete t, create t" would delete the logs of the live, re-created {@code t}. A CREATE_TOPIC
 * does not write the file (its write, fsync, rename and directory fsync were a third of the metadata group's syncs
 * per created topic): replaying a create that had its effect finds the topic in {@code topics.json} and does nothing,
 * so the file may lag behind creates only. Every other command that changes local files writes it (covering the
 * creates before it), and so does every snapshot ({@link #takeSnapshot}), so the file is never below the snapshot a
 * restart restores.
 *
 * <p><b>Snapshot chunk</b> (one): {@code i32 nodes · nodes × (utf id · utf client_addr) · i32 topics · topics ×
 * (utf name · i64 create_index · settings as in {@link MetadataCommand} · i64 created_ms · replicas as in
 * MetadataCommand) · [i32 offsets · offsets × (utf topic · utf group · i32 partition · i64 offset)] · [i32 ttls ·
 * ttls × (utf topic · i64 ttl_ms)]}. The committed offsets section (absent in snapshots written before it existed)
 * lets a node that catches up from a snapshot learn the commits, resets and group deletions whose entries were
 * compacted away; the TTL section, present only when a topic has a TTL of its own, gives those topics theirs.
 *
 * <p>Further chunks are tagged sections: {@code u8 tag · bytes}. Tag 1: the schema registry
 * ({@link SchemaRegistry#snapshot()}). A snapshot without it (written before it existed) means an empty registry.
 * The registry is not written to a file of its own on a cluster node: the snapshot plus the replayed log rebuild it.
 * Tag 2: the users and ACLs ({@link SecurityStore#snapshot()}, the format of {@code security.json}); a snapshot
 * without it leaves the node's store as it is. The store also keeps its file on cluster nodes, so users exist from
 * the first request after a restart; replaying the log over it is harmless, each change carrying whole entries.
 * Tag 3: the transaction coordinator's state ({@link MetadataCommand.TxnState}'s keys): {@code i32 n · n × (utf key
 * · i64 value)}; a snapshot without it means no transaction state. Kept in memory only, rebuilt like the registry.
 * Tag 15: the consumer groups' retry holds, {@link RetryHolds#encode()}'s form; written only while a hold exists, a
 * snapshot without it means none. In memory only, rebuilt like the registry.
 */
final class MetadataStateMachine implements ReplicatedStateMachine<Boolean> {
    private static final System.Logger LOG = System.getLogger(MetadataStateMachine.class.getName());

    /** One topic as the cluster knows it. {@code replicas.get(p)} lists partition p's replicas, leader first. */
    record Assignment(CreateTopic topic, long createIndex) {
        List<String> replicas(int partition) {
            return partition >= 0 && partition < topic.replicas().size() ? topic.replicas().get(partition) : List.of();
        }

        /** This assignment with {@code nodeId} dropped from every partition's replicas (same create index). */
        Assignment without(String nodeId) {
            List<List<String>> kept = topic.replicas().stream()
                    .map(r -> r.stream().filter(id -> !id.equals(nodeId)).toList()).toList();
            return kept.equals(topic.replicas()) ? this : new Assignment(new CreateTopic(topic.name(),
                    topic.settings(), topic.createdMs(), kept), createIndex);
        }
    }

    /**
     * A partition moving from the replicas {@code from} to {@code to} (preferred leader first), as START_REASSIGNMENT
     * recorded it; a cancelled one moves back ({@code to} equals {@code from}, {@code cancelling} set).
     */
    record Reassignment(String topic, long createIndex, int partition, List<String> from, List<String> to,
                        boolean cancelling) {
        Reassignment {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }

        String key() {
            return reassignmentKey(topic, partition);
        }
    }

    static String reassignmentKey(String topic, int partition) {
        return partition + "/" + topic;
    }

    private final TopicManager topics;
    private final GroupCoordinator groups;
    private final SchemaRegistry schemas;
    private final SecurityStore security;
    private final AtomicFile appliedFile;
    private final ConcurrentHashMap<String, Assignment> assignments = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> clientAddrs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Reassignment> reassignments = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> racks = new ConcurrentHashMap<>();
    /**
     * Moves of a rebalance or drain waiting for a slot (QUEUE_REASSIGNMENTS), in the order they start; changed on the
     * Raft thread only, read elsewhere through {@link #queuedReassignments()}.
     */
    private final Map<String, MetadataCommand.StartReassignment> queued =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    /** The bound of reassignments in progress the last QUEUE_REASSIGNMENTS gave (0 = none). */
    private volatile int queueLimit;
    private long appliedIndex;
    private volatile PartitionReplicas replicas; // null until the cluster transport is bound
    private volatile Consumer<String> nodeRemoved = id -> { };

    static final int SCHEMAS_SECTION = 1;
    static final int SECURITY_SECTION = 2;
    /** Reassignments in progress and the nodes' racks (the number of START_REASSIGNMENT, so no other area takes it). */
    static final int PLACEMENT_SECTION = 9;
    static final int TRANSACTIONS_SECTION = 3;
    /** The consumer groups' retry holds (RETRY_HOLD, command 15: the same number, so no other area takes it). */
    static final int RETRY_HOLDS_SECTION = 15;
    private volatile RetryHolds retryHolds = new RetryHolds(java.time.InstantSource.system());
    /** The transaction coordinator's replicated state (TXN_STATE commands applied in log order). */
    private final ConcurrentHashMap<String, Long> transactionState = new ConcurrentHashMap<>();

    /**
     * A state machine whose users and ACLs live in {@code security.json} beside {@code appliedFile}: for tests of
     * the other commands.
     */
    MetadataStateMachine(TopicManager topics, GroupCoordinator groups, SchemaRegistry schemas, Path appliedFile) {
        this(topics, groups, schemas, appliedFile, SecurityStore.open(appliedFile.resolveSibling("security.json")));
    }

    /** @param appliedFile where the last applied index is kept ({@code applied.index}, 8 bytes) */
    MetadataStateMachine(TopicManager topics, GroupCoordinator groups, SchemaRegistry schemas, Path appliedFile,
                         SecurityStore security) {
        this.security = security;
        this.topics = topics;
        this.groups = groups;
        this.schemas = schemas;
        this.appliedFile = new AtomicFile(appliedFile);
        this.appliedIndex = readApplied(this.appliedFile);
    }

    /** The node's retry holds table, which RETRY_HOLD commands and snapshots fill; set before the group starts. */
    void retryHolds(RetryHolds holds) {
        this.retryHolds = holds;
    }

    void replicas(PartitionReplicas replicas) {
        this.replicas = replicas;
    }

    /** Called on the Raft thread after a NODE_REMOVED is applied (also when replayed): keep it quick. */
    void onNodeRemoved(Consumer<String> hook) {
        this.nodeRemoved = hook;
    }

    /** Every topic's assignment (a copy). */
    Map<String, Assignment> assignments() {
        return Map.copyOf(assignments);
    }

    Optional<Assignment> assignment(String topic) {
        return Optional.ofNullable(assignments.get(topic));
    }

    /** The node's topics (a settings change is checked against them before it is replicated). */
    TopicManager topics() {
        return topics;
    }

    Map<String, String> clientAddrs() {
        return Map.copyOf(clientAddrs);
    }

    /** Every reassignment in progress, by {@link #reassignmentKey}. */
    Map<String, Reassignment> reassignments() {
        return Map.copyOf(reassignments);
    }

    /** The moves waiting to start, in the order they will (a copy). */
    List<MetadataCommand.StartReassignment> queuedReassignments() {
        synchronized (queued) {
            return List.copyOf(queued.values());
        }
    }

    /** Whether the partition waits in the queue of moves. */
    boolean queued(String topic, int partition) {
        return queued.containsKey(reassignmentKey(topic, partition));
    }

    Optional<Reassignment> reassignment(String topic, int partition) {
        return Optional.ofNullable(reassignments.get(reassignmentKey(topic, partition)));
    }

    /**
     * The racks the nodes registered ({@code cluster.rack}); a node that never registered one is absent, and one
     * that later registers without a rack keeps the last (until it is removed from the cluster).
     */
    Map<String, String> racks() {
        return Map.copyOf(racks);
    }

    /** The transaction coordinator's replicated state as this node applied it (live; read it, never change it). */
    Map<String, Long> transactionState() {
        return transactionState;
    }

    @Override
    public Boolean apply(long commitIndex, byte[] bytes) {
        MetadataCommand command = MetadataCommand.decode(bytes);
        boolean replay = commitIndex <= appliedIndex;
        switch (command) {
            case CreateTopic c -> {
                Assignment assignment = new Assignment(c, commitIndex);
                boolean created = assignments.putIfAbsent(c.name(), assignment) == null;
                if (!replay) {
                    try {
                        topics.create(c.name(), c.settings());
                    } catch (RuntimeException e) {
                        if (created) {
                            assignments.remove(c.name());
                        }
                        markApplied(commitIndex);
                        throw e;
                    }
                    // Not written to applied.index (class comment): replaying a create is harmless, and the next
                    // command that writes the file, or the next snapshot, covers this index.
                    appliedIndex = commitIndex;
                }
                if (created && replicas != null) {
                    replicas.topicCreated(assignment);
                }
                return created;
            }
            case DeleteTopic d -> {
                Assignment removed = assignments.remove(d.name());
                reassignments.values().removeIf(r -> r.topic().equals(d.name()));
                queued.values().removeIf(q -> q.topic().equals(d.name()));
                startQueued();
                if (removed != null && replicas != null) {
                    replicas.topicDeleted(removed);
                }
                if (!replay) {
                    topics.delete(d.name());
                    markApplied(commitIndex);
                }
                return removed != null;
            }
            case CommitOffset o -> {
                if (!replay) {
                    // The offset store makes it durable before the next command; a replay finds it there.
                    try {
                        groups.commit(o.topic(), o.group(), o.partition(), o.offset());
                    } finally {
                        markApplied(commitIndex);
                    }
                }
                return true;
            }
            case DeleteGroup g -> {
                if (replay) {
                    return true; // the offset store already forgot it
                }
                try {
                    if (g.topic().isEmpty()) {
                        groups.deleteAll(g.group());
                    } else {
                        groups.delete(g.topic(), g.group());
                    }
                    return true;
                } catch (RequestException e) {
                    return false; // not known on this node
                } finally {
                    markApplied(commitIndex);
                }
            }
            case MetadataCommand.AlterTopic a -> {
                Assignment current = assignments.get(a.name());
                if (current == null) {
                    if (!replay) {
                        markApplied(commitIndex);
                    }
                    return false; // deleted meanwhile: "topic not found" for the caller
                }
                CreateTopic t = current.topic();
                assignments.put(a.name(), new Assignment(new CreateTopic(t.name(), t.settings().with(a.changes()),
                        t.createdMs(), t.replicas()), current.createIndex()));
                if (!replay) {
                    try {
                        topics.alter(a.name(), a.changes());
                    } finally {
                        markApplied(commitIndex);
                    }
                }
                return true;
            }
            case MetadataCommand.AddPartitions g -> {
                Assignment current = assignments.get(g.name());
                if (current == null || current.createIndex() != g.createIndex()
                        || current.topic().replicas().size() + g.added().size() != g.partitions()) {
                    // deleted, re-created or grown meanwhile: the leader checked against a state that is gone
                    if (!replay) {
                        markApplied(commitIndex);
                    }
                    return false;
                }
                CreateTopic t = current.topic();
                List<List<String>> all = new ArrayList<>(t.replicas());
                all.addAll(g.added());
                Assignment grown = new Assignment(new CreateTopic(t.name(), t.settings().withPartitions(g.partitions()),
                        t.createdMs(), List.copyOf(all)), current.createIndex());
                assignments.put(g.name(), grown);
                if (!replay) {
                    try {
                        topics.growPartitions(g.name(), g.partitions());
                    } finally {
                        markApplied(commitIndex);
                    }
                }
                if (replicas != null) {
                    replicas.topicCreated(grown); // starts the groups of the new partitions held here
                }
                return true;
            }
            case NodeRemoved n -> {
                // Table-only: the partition groups drop the node through Raft membership changes (see
                // MembershipChanges), the local partition logs stay as they are.
                boolean changed = false;
                for (Assignment a : List.copyOf(assignments.values())) {
                    Assignment without = a.without(n.nodeId());
                    if (!without.equals(a)) {
                        assignments.put(a.topic().name(), without);
                        changed = true;
                    }
                }
                changed |= clientAddrs.remove(n.nodeId()) != null;
                racks.remove(n.nodeId());
                for (Reassignment r : List.copyOf(reassignments.values())) {
                    List<String> from = r.from().stream().filter(id -> !id.equals(n.nodeId())).toList();
                    List<String> to = r.to().stream().filter(id -> !id.equals(n.nodeId())).toList();
                    if (to.isEmpty()) {
                        reassignments.remove(r.key());
                    } else if (!to.equals(r.to()) || !from.equals(r.from())) {
                        reassignments.put(r.key(), new Reassignment(r.topic(), r.createIndex(), r.partition(), from,
                                to, r.cancelling()));
                    }
                }
                synchronized (queued) {
                    for (MetadataCommand.StartReassignment q : List.copyOf(queued.values())) {
                        List<String> to = q.target().stream().filter(id -> !id.equals(n.nodeId())).toList();
                        String key = reassignmentKey(q.topic(), q.partition());
                        if (to.isEmpty()) {
                            queued.remove(key);
                        } else if (!to.equals(q.target())) {
                            queued.put(key, new MetadataCommand.StartReassignment(q.topic(), q.createIndex(),
                                    q.partition(), to));
                        }
                    }
                }
                startQueued();
                nodeRemoved.accept(n.nodeId());
                return changed;
            }
            case RegisterNode r -> {
                // A registration without a rack leaves the node's rack alone: the join registers the new node's
                // address (no rack) and may be applied after the node registered itself with its rack, which it
                // then erased (a rack-aware placement skipped the node). NODE_REMOVED forgets the rack.
                boolean rackChanged = !r.rack().isEmpty() && !r.rack().equals(racks.put(r.nodeId(), r.rack()));
                return !r.clientAddr().equals(clientAddrs.put(r.nodeId(), r.clientAddr())) | rackChanged;
            }
            case MetadataCommand.StartReassignment c -> {
                // a move started on its own takes its partition out of the queue, whatever it was waiting for
                queued.remove(reassignmentKey(c.topic(), c.partition()));
                return startMove(c);
            }
            case MetadataCommand.QueueReassignments q -> {
                queueLimit = q.limit();
                int accepted = 0;
                for (MetadataCommand.StartReassignment c : q.moves()) {
                    String key = reassignmentKey(c.topic(), c.partition());
                    if (movable(c) && !queued.containsKey(key)) {
                        queued.put(key, c);
                        accepted++;
                    }
                }
                startQueued();
                return accepted > 0;
            }
            case MetadataCommand.CancelReassignment c -> {
                String key = reassignmentKey(c.topic(), c.partition());
                MetadataCommand.StartReassignment waiting = queued.get(key);
                if (waiting != null && waiting.createIndex() == c.createIndex()) {
                    queued.remove(key); // not started: nothing to undo
                    return true;
                }
                Reassignment r = reassignments.get(key);
                if (r == null || r.createIndex() != c.createIndex() || r.cancelling()) {
                    return false;
                }
                reassignments.put(key, new Reassignment(r.topic(), r.createIndex(), r.partition(), r.from(), r.from(),
                        true));
                return true;
            }
            case MetadataCommand.FinishReassignment c -> {
                String key = reassignmentKey(c.topic(), c.partition());
                Reassignment r = reassignments.get(key);
                Assignment a = assignments.get(c.topic());
                if (r == null || a == null || r.createIndex() != c.createIndex() || a.createIndex() != c.createIndex()
                        || !new HashSet<>(r.to()).equals(new HashSet<>(c.replicas()))) {
                    return false; // cancelled or changed meanwhile: the group goes on towards the recorded target
                }
                reassignments.remove(key);
                List<List<String>> all = new ArrayList<>(a.topic().replicas());
                all.set(c.partition(), r.to());
                CreateTopic t = a.topic();
                Assignment moved = new Assignment(new CreateTopic(t.name(), t.settings(), t.createdMs(),
                        List.copyOf(all)), a.createIndex());
                assignments.put(c.topic(), moved);
                if (replicas != null) {
                    replicas.reassignmentFinished(moved, c.partition());
                }
                startQueued();
                return true;
            }
            case MetadataCommand.Schema c -> {
                // in memory only, rebuilt by replay: a refusal (invalid, incompatible) is the same on every node
                schemas.apply(c.change());
                return true;
            }
            case MetadataCommand.Security c -> {
                return security.apply(SecurityChange.decode(c.change()));
            }
            case MetadataCommand.TxnState t -> {
                transactionState.putAll(t.puts());
                t.removes().forEach(transactionState::remove);
                return true;
            }
            case MetadataCommand.RetryHold h -> {
                retryHolds.apply(h.hold());
                return true;
            }
        }
    }

    /** Whether {@code c} names a partition of the live incarnation that is not moving, with a target. */
    private boolean movable(MetadataCommand.StartReassignment c) {
        Assignment a = assignments.get(c.topic());
        return a != null && a.createIndex() == c.createIndex() && c.partition() >= 0
                && c.partition() < a.topic().replicas().size()
                && !reassignments.containsKey(reassignmentKey(c.topic(), c.partition())) && !c.target().isEmpty();
    }

    /** START_REASSIGNMENT's effect; false when the proposer checked a state that is gone. */
    private boolean startMove(MetadataCommand.StartReassignment c) {
        if (!movable(c)) {
            return false; // deleted, re-created or already moving
        }
        Assignment a = assignments.get(c.topic());
        Reassignment r = new Reassignment(c.topic(), c.createIndex(), c.partition(), a.replicas(c.partition()),
                c.target(), false);
        reassignments.put(r.key(), r);
        if (replicas != null) {
            replicas.reassignmentStarted(a, r);
        }
        return true;
    }

    /**
     * Starts queued moves, in order, while fewer than the queue's limit are in progress. It runs where a slot may
     * have opened (a move queued, finished, or dropped with its topic or node) on every node in log order, so every
     * node starts the same moves at the same index, and a new metadata leader has nothing to resume: the queue is
     * replicated state, and each move leaves it exactly once. A queued move whose partition went away or started
     * moving on its own meanwhile is dropped (the next rebalance plans it again).
     */
    private void startQueued() {
        synchronized (queued) {
            var it = queued.values().iterator();
            while (it.hasNext() && (queueLimit <= 0 || reassignments.size() < queueLimit)) {
                MetadataCommand.StartReassignment next = it.next();
                it.remove();
                startMove(next);
            }
        }
    }

    @Override
    public void takeSnapshot(long commitIndex, Consumer<byte[]> chunks) {
        // every command up to the snapshot has had its effect here: a restart that restores this snapshot must not
        // take it for one from a leader that this node lags behind (installSnapshot would then bring the local topics
        // to the snapshot's set, deleting those created after it whose index applied.index does not hold)
        markApplied(commitIndex);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Map<String, String> nodes = new TreeMap<>(clientAddrs);
            out.writeInt(nodes.size());
            for (Map.Entry<String, String> e : nodes.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            Map<String, Assignment> all = new TreeMap<>(assignments);
            out.writeInt(all.size());
            for (Assignment a : all.values()) {
                out.writeUTF(a.topic().name());
                out.writeLong(a.createIndex());
                MetadataCommand.writeSettings(out, a.topic().settings());
                out.writeLong(a.topic().createdMs());
                MetadataCommand.writeReplicas(out, a.topic().replicas());
            }
            List<MetadataCommand.CommitOffset> offsets = committedOffsets();
            out.writeInt(offsets.size());
            for (MetadataCommand.CommitOffset o : offsets) {
                out.writeUTF(o.topic());
                out.writeUTF(o.group());
                out.writeInt(o.partition());
                out.writeLong(o.offset());
            }
            // topic TTLs last (a later section), so a snapshot of topics without one keeps its bytes
            List<Assignment> withTtl = all.values().stream()
                    .filter(a -> a.topic().settings().ttlMs() != TopicSettings.DEFAULT).toList();
            if (!withTtl.isEmpty()) {
                out.writeInt(withTtl.size());
                for (Assignment a : withTtl) {
                    out.writeUTF(a.topic().name());
                    out.writeLong(a.topic().settings().ttlMs());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chunks.accept(bytes.toByteArray());
        byte[] registry = schemas.snapshot();
        byte[] section = new byte[registry.length + 1];
        section[0] = SCHEMAS_SECTION;
        System.arraycopy(registry, 0, section, 1, registry.length);
        chunks.accept(section);
        byte[] users = security.snapshot();
        byte[] securitySection = new byte[users.length + 1];
        securitySection[0] = SECURITY_SECTION;
        System.arraycopy(users, 0, securitySection, 1, users.length);
        chunks.accept(securitySection);
        if (!transactionState.isEmpty()) {
            ByteArrayOutputStream txn = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(txn)) {
                out.writeByte(TRANSACTIONS_SECTION);
                Map<String, Long> sorted = new TreeMap<>(transactionState);
                out.writeInt(sorted.size());
                for (Map.Entry<String, Long> e : sorted.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeLong(e.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            chunks.accept(txn.toByteArray());
        }
        if (!reassignments.isEmpty() || !racks.isEmpty() || !queued.isEmpty()) {
            chunks.accept(placementSection());
        }
        RetryHolds holds = retryHolds;
        if (!holds.isEmpty()) {
            byte[] table = holds.encode();
            byte[] holdsSection = new byte[table.length + 1];
            holdsSection[0] = RETRY_HOLDS_SECTION;
            System.arraycopy(table, 0, holdsSection, 1, table.length);
            chunks.accept(holdsSection);
        }
    }

    /**
     * Section {@value #PLACEMENT_SECTION}: {@code u8 9 · i32 n · n × (utf topic · i64 create_index · i32 partition ·
     * i32 r · r × utf from · i32 r · r × utf to · bool cancelling) · i32 m · m × (utf node_id · utf rack) · [i32 limit ·
     * i32 q · q × (utf topic · i64 create_index · i32 partition · i32 r · r × utf target)]}, the bracketed queue of
     * moves (QUEUE_REASSIGNMENTS, in order) only when moves wait; written only when a reassignment is in progress or
     * waits, or a node has a rack, so other snapshots keep their bytes.
     */
    private byte[] placementSection() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(PLACEMENT_SECTION);
            Map<String, Reassignment> moving = new TreeMap<>(reassignments);
            out.writeInt(moving.size());
            for (Reassignment r : moving.values()) {
                out.writeUTF(r.topic());
                out.writeLong(r.createIndex());
                out.writeInt(r.partition());
                MetadataCommand.writeIds(out, r.from());
                MetadataCommand.writeIds(out, r.to());
                out.writeBoolean(r.cancelling());
            }
            Map<String, String> byNode = new TreeMap<>(racks);
            out.writeInt(byNode.size());
            for (Map.Entry<String, String> e : byNode.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            List<MetadataCommand.StartReassignment> waiting = queuedReassignments();
            if (!waiting.isEmpty()) {
                out.writeInt(queueLimit);
                out.writeInt(waiting.size());
                for (MetadataCommand.StartReassignment q : waiting) {
                    out.writeUTF(q.topic());
                    out.writeLong(q.createIndex());
                    out.writeInt(q.partition());
                    MetadataCommand.writeIds(out, q.target());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private void installPlacement(long commitIndex, byte[] section) {
        Map<String, Reassignment> moving = new TreeMap<>();
        Map<String, String> byNode = new TreeMap<>();
        Map<String, MetadataCommand.StartReassignment> waiting = new java.util.LinkedHashMap<>();
        int limit = 0;
        if (section != null) {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(section, 1, section.length - 1));
            try {
                for (int n = in.readInt(), i = 0; i < n; i++) {
                    Reassignment r = new Reassignment(in.readUTF(), in.readLong(), in.readInt(),
                            MetadataCommand.readIds(in), MetadataCommand.readIds(in), in.readBoolean());
                    moving.put(r.key(), r);
                }
                for (int n = in.readInt(), i = 0; i < n; i++) {
                    byNode.put(in.readUTF(), in.readUTF());
                }
                if (in.available() > 0) {
                    limit = in.readInt();
                    for (int n = in.readInt(), i = 0; i < n; i++) {
                        var q = new MetadataCommand.StartReassignment(in.readUTF(), in.readLong(), in.readInt(),
                                MetadataCommand.readIds(in));
                        waiting.put(reassignmentKey(q.topic(), q.partition()), q);
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("metadata snapshot at index " + commitIndex + ": the placement "
                        + "section (" + section.length + " bytes) is truncated or damaged: " + e, e);
            }
        }
        reassignments.clear();
        reassignments.putAll(moving);
        racks.clear();
        racks.putAll(byNode);
        synchronized (queued) {
            queued.clear();
            queued.putAll(waiting);
        }
        queueLimit = limit;
    }

    @Override
    public void installSnapshot(long commitIndex, List<byte[]> chunks) {
        Map<String, String> nodes = new TreeMap<>();
        Map<String, Assignment> all = new TreeMap<>();
        List<MetadataCommand.CommitOffset> offsets = new ArrayList<>();
        byte[] registry = null;
        byte[] users = null;
        byte[] placement = null;
        List<RetryHolds.Hold> holds = List.of();
        Map<String, Long> txnState = new TreeMap<>();
        for (byte[] section : chunks.subList(Math.min(1, chunks.size()), chunks.size())) {
            if (section.length > 0 && section[0] == TRANSACTIONS_SECTION) {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(section, 1, section.length - 1));
                try {
                    int n = in.readInt();
                    if (n < 0 || n > section.length) {
                        throw new IOException("count " + n);
                    }
                    for (int i = 0; i < n; i++) {
                        txnState.put(in.readUTF(), in.readLong());
                    }
                } catch (IOException e) {
                    throw new IllegalArgumentException("metadata snapshot at index " + commitIndex + ": damaged "
                            + "transactions section (" + section.length + " bytes): " + e, e);
                }
            } else if (section.length > 0 && section[0] == SCHEMAS_SECTION) {
                registry = java.util.Arrays.copyOfRange(section, 1, section.length);
            } else if (section.length > 0 && section[0] == SECURITY_SECTION) {
                users = java.util.Arrays.copyOfRange(section, 1, section.length);
            } else if (section.length > 0 && section[0] == PLACEMENT_SECTION) {
                placement = section;
            } else if (section.length > 0 && section[0] == RETRY_HOLDS_SECTION) {
                holds = RetryHolds.decode(section, 1, "metadata snapshot at index " + commitIndex);
            } else if (section.length > 0) {
                throw new IllegalArgumentException("metadata snapshot at index " + commitIndex + " has a section "
                        + "with unknown tag " + section[0] + " (" + section.length + " bytes)");
            }
        }
        for (byte[] chunk : chunks.subList(0, Math.min(1, chunks.size()))) {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(chunk));
            try {
                for (int n = in.readInt(), i = 0; i < n; i++) {
                    nodes.put(in.readUTF(), in.readUTF());
                }
                for (int n = in.readInt(), i = 0; i < n; i++) {
                    String name = in.readUTF();
                    long createIndex = in.readLong();
                    CreateTopic c = new CreateTopic(name, MetadataCommand.readSettings(in), in.readLong(),
                            MetadataCommand.readReplicas(in));
                    all.put(c.name(), new Assignment(c, createIndex));
                }
                if (in.available() > 0) {
                    for (int n = in.readInt(), i = 0; i < n; i++) {
                        offsets.add(new MetadataCommand.CommitOffset(in.readUTF(), in.readUTF(), in.readInt(),
                                in.readLong()));
                    }
                }
                if (in.available() > 0) {
                    for (int n = in.readInt(), i = 0; i < n; i++) {
                        String name = in.readUTF();
                        long ttl = in.readLong();
                        Assignment a = all.get(name);
                        if (a != null) {
                            all.put(name, new Assignment(a.topic().withTtlMs(ttl), a.createIndex()));
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("metadata snapshot at index " + commitIndex
                        + " is truncated or damaged (" + chunk.length + " bytes): " + e, e);
            }
        }
        schemas.install(registry != null ? registry : SchemaRegistry.inMemory(schemas.defaultCompatibility())
                .snapshot());
        clientAddrs.clear();
        clientAddrs.putAll(nodes);
        transactionState.clear();
        transactionState.putAll(txnState);
        retryHolds.replace(holds);
        if (users != null) {
            security.install(users, "metadata snapshot at index " + commitIndex);
        }
        PartitionReplicas r = replicas;
        if (r != null) {
            // compared by incarnation: a replica list shortened by NODE_REMOVED is the same topic, its groups stay
            assignments.values().stream().filter(a -> !sameIncarnation(a, all.get(a.topic().name())))
                    .forEach(r::topicDeleted);
        }
        Map<String, Assignment> before = Map.copyOf(assignments);
        assignments.clear();
        assignments.putAll(all);
        installPlacement(commitIndex, placement);
        if (commitIndex > appliedIndex) {
            // Catching up from a snapshot: bring the local topics to the snapshot's set.
            for (Assignment a : all.values()) {
                Topic local = topics.create(a.topic().name(), a.topic().settings());
                if (local.partitionCount() < a.topic().replicas().size()) {
                    topics.growPartitions(local.name(), a.topic().replicas().size()); // a growth it missed
                }
                // a topic this node had already: it takes the settings changes (ALTER_TOPIC) it missed
                Map<String, Long> changes = settingsOf(a.topic().settings());
                if (!settingsOf(local.settings()).equals(changes)) {
                    topics.alter(a.topic().name(), changes);
                }
            }
            for (Topic t : topics.all()) {
                if (!all.containsKey(t.name())) {
                    LOG.log(System.Logger.Level.INFO, "deleting topic '" + t.name()
                            + "': the metadata snapshot at index " + commitIndex + " does not list it");
                    topics.delete(t.name());
                }
            }
            installOffsets(offsets);
            markApplied(commitIndex);
        }
        if (r != null) {
            // new incarnations, and topics that grew: topicCreated starts the groups this node lacks
            all.values().stream().filter(a -> !sameIncarnation(a, before.get(a.topic().name()))
                            || a.topic().replicas().size() > before.get(a.topic().name()).topic().replicas().size())
                    .forEach(r::topicCreated);
            // moves in progress: a target node starts its member of the group (it waits to be added)
            for (Reassignment m : reassignments.values()) {
                Assignment a = all.get(m.topic());
                if (a != null && a.createIndex() == m.createIndex()) {
                    r.reassignmentStarted(a, m);
                }
            }
        }
    }

    /** The settings ALTER_TOPIC can change, as its keys. */
    static Map<String, Long> settingsOf(TopicSettings s) {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put(AlterTopicRequest.RETENTION_MS, s.retentionMs());
        m.put(AlterTopicRequest.RETENTION_BYTES, s.retentionBytes());
        m.put(AlterTopicRequest.SEGMENT_BYTES, s.segmentBytes());
        m.put(AlterTopicRequest.SEGMENT_MS, s.segmentMs());
        m.put(AlterTopicRequest.TTL_MS, s.ttlMs());
        return m;
    }

    /** Every committed offset this node holds, ordered, as the snapshot records them. */
    private List<MetadataCommand.CommitOffset> committedOffsets() {
        List<MetadataCommand.CommitOffset> all = new ArrayList<>();
        for (GroupCoordinator.GroupSnapshot g : groups.snapshot()) {
            for (Map.Entry<Integer, Long> e : new TreeMap<>(g.offsets()).entrySet()) {
                all.add(new MetadataCommand.CommitOffset(g.topic(), g.group(), e.getKey(), e.getValue()));
            }
        }
        return all;
    }

    /** Brings the local offsets to the snapshot's: commits its offsets, deletes groups whose offsets it lacks. */
    private void installOffsets(List<MetadataCommand.CommitOffset> offsets) {
        Set<String> kept = new HashSet<>();
        for (MetadataCommand.CommitOffset o : offsets) {
            kept.add(o.topic() + "\u0000" + o.group());
            groups.commit(o.topic(), o.group(), o.partition(), o.offset());
        }
        for (GroupCoordinator.GroupSnapshot g : groups.snapshot()) {
            if (!g.offsets().isEmpty() && !kept.contains(g.topic() + "\u0000" + g.group())) {
                groups.delete(g.topic(), g.group());
            }
        }
    }

    private static boolean sameIncarnation(Assignment a, Assignment b) {
        return b != null && a.createIndex() == b.createIndex();
    }

    private void markApplied(long index) {
        appliedIndex = index;
        try {
            appliedFile.write(ByteBuffer.allocate(8).putLong(0, index).array());
        } catch (StorageException e) {
            throw new StorageException("cannot record applied metadata index " + index + " in "
                    + appliedFile.path() + ": " + e.getMessage(), e);
        }
    }

    private static long readApplied(AtomicFile file) {
        byte[] b = file.read().orElse(null);
        if (b == null) {
            return 0;
        }
        if (b.length != 8) {
            throw new StorageException(file.path() + " holds " + b.length
                    + " bytes, expected 8 (the last applied metadata index)");
        }
        return ByteBuffer.wrap(b).getLong();
    }
}
