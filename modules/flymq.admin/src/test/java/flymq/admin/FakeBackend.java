package flymq.admin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory broker for the API's tests: topics with records in partition 0, groups with offsets. */
final class FakeBackend implements AdminBackend {
    /** Moves recorded by {@link #reassignPartition}, the fake's REASSIGNMENTS. */
    final List<PartitionMove> moves = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Map<String, TopicDetail> topics = new ConcurrentHashMap<>();
    final Map<String, Map<String, Long>> offsets = new ConcurrentHashMap<>(); // group -> "topic/partition" -> offset
    volatile boolean ready = true;

    FakeBackend withTopic(String name, int partitions, long records) {
        List<PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(new PartitionInfo(p, "n1", 0, p == 0 ? records : 0, p == 0 ? records * 10 : 0, 1));
        }
        topics.put(name, new TopicDetail(new TopicInfo(name, partitions, 1, records, records * 10, 604_800_000L, 0,
                1 << 20, 604_800_000L, 1_700_000_000_000L + topics.size(), 0), parts));
        return this;
    }

    FakeBackend withGroup(String group, String topic, long committed) {
        offsets.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).put(topic + "/0", committed);
        return this;
    }

    @Override
    public ClusterInfo cluster() {
        return new ClusterInfo("standalone", "n1", "n1", 1, 0, ready);
    }

    @Override
    public List<NodeInfo> nodes() {
        return List.of(new NodeInfo("n1", "localhost:9092", ":9093", "online", "leader", true));
    }

    @Override
    public List<PartitionAssignment> partitions() {
        List<PartitionAssignment> out = new ArrayList<>();
        new TreeMap<>(topics).forEach((name, t) -> {
            for (int p = 0; p < t.topic().partitions(); p++) {
                out.add(new PartitionAssignment(name, p, "n1", "localhost:9092", List.of("n1"), List.of("n1"), 1,
                        "online"));
            }
        });
        return out;
    }

    @Override
    public List<TopicInfo> topics() {
        return new TreeMap<>(topics).values().stream().map(TopicDetail::topic).toList();
    }

    @Override
    public Optional<TopicDetail> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    @Override
    public void createTopic(String caller, NewTopic topic) {
        if (topic.partitions() > 100) {
            throw AdminException.badRequest("invalid partition count " + topic.partitions());
        }
        withTopic(topic.name(), Math.max(1, topic.partitions()), 0);
    }

    @Override
    public void deleteTopic(String caller, String name) {
        topics.remove(name);
    }

    final Map<String, UserInfo> users = new java.util.concurrent.ConcurrentSkipListMap<>();
    final Map<String, AclInfo> acls = new java.util.concurrent.ConcurrentSkipListMap<>();
    final Map<String, String> passwords = new ConcurrentHashMap<>();

    @Override
    public List<UserInfo> users(String caller) {
        return List.copyOf(users.values());
    }

    @Override
    public Optional<UserInfo> user(String caller, String name) {
        return Optional.ofNullable(users.get(name));
    }

    @Override
    public UserInfo createUser(String caller, String name, String password, List<String> roles) {
        if (users.containsKey(name)) {
            throw AdminException.conflict("user '" + name + "' already exists");
        }
        UserInfo u = new UserInfo(name, roles.isEmpty() ? List.of("consumer") : roles, List.of("read"), true,
                1_700_000_000_000L, 1_700_000_000_000L);
        users.put(name, u);
        passwords.put(name, password);
        return u;
    }

    @Override
    public UserInfo updateUser(String caller, String name, List<String> roles, Boolean enabled) {
        UserInfo u = user(caller, name).orElseThrow(() -> AdminException.notFound("user not found: " + name));
        UserInfo changed = new UserInfo(name, roles == null ? u.roles() : roles, u.permissions(),
                enabled == null ? u.enabled() : enabled, u.createdAtMs(), u.updatedAtMs() + 1);
        users.put(name, changed);
        return changed;
    }

    @Override
    public void deleteUser(String caller, String name) {
        if (users.remove(name) == null) {
            throw AdminException.notFound("user not found: " + name);
        }
    }

    @Override
    public void changePassword(String caller, String name, String oldPassword, String newPassword) {
        user(caller, name).orElseThrow(() -> AdminException.notFound("user not found: " + name));
        passwords.put(name, newPassword);
    }

    @Override
    public List<RoleInfo> roles(String caller) {
        return List.of(new RoleInfo("admin", List.of("read", "write", "admin"), "everything"),
                new RoleInfo("consumer", List.of("read"), "reads"));
    }

    @Override
    public Acls acls(String caller) {
        return new Acls(List.copyOf(acls.values()), true);
    }

    @Override
    public AclInfo acl(String caller, String topic) {
        return acls.getOrDefault(topic, new AclInfo(topic, false, true, List.of(), List.of()));
    }

    @Override
    public void setAcl(String caller, String topic, boolean isPublic, List<String> users, List<String> roles) {
        acls.put(topic, new AclInfo(topic, true, isPublic, users, roles));
    }

    @Override
    public void deleteAcl(String caller, String topic) {
        if (acls.remove(topic) == null) {
            throw AdminException.notFound("topic '" + topic + "' has no ACL");
        }
    }

    /** The last audit filter asked for. */
    volatile AuditFilter lastAuditFilter;

    @Override
    public AuditPage auditEvents(String caller, AuditFilter filter) {
        lastAuditFilter = filter;
        return new AuditPage(List.of(new AuditEventInfo("e1", 1_700_000_000_000L, "topic.create", "admin",
                "127.0.0.1", "orders", "create", "success", "n1", Map.of("partitions", "2"))), 1, false);
    }

    @Override
    public byte[] exportAudit(String caller, AuditFilter filter, String format) {
        lastAuditFilter = filter;
        return (format.equals("csv") ? "id,type\ne1,topic.create\n" : "[{\"id\":\"e1\"}]")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The changes alterTopic was given, with their caller. */
    final List<String> alterations = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void alterTopic(String caller, String name, Map<String, Long> changes) {
        TopicDetail d = topics.get(name);
        if (d == null) {
            throw AdminException.notFound("topic not found: " + name);
        }
        TopicInfo t = d.topic();
        long retentionMs = t.retentionMs();
        long retentionBytes = t.retentionBytes();
        long segmentBytes = t.segmentBytes();
        long segmentMs = t.segmentMs();
        long ttlMs = t.ttlMs();
        for (var e : changes.entrySet()) {
            long v = e.getValue();
            switch (e.getKey()) {
                case "retention_ms" -> retentionMs = v == -1 ? 604_800_000L : v;
                case "retention_bytes" -> retentionBytes = v == -1 ? 0 : v;
                case "segment_bytes" -> {
                    if (v != -1 && v < 1024) {
                        throw AdminException.badRequest("invalid segment_bytes " + v + " for topic " + name);
                    }
                    segmentBytes = v == -1 ? 1 << 20 : v;
                }
                case "segment_ms" -> segmentMs = v == -1 ? 604_800_000L : v;
                case "ttl_ms" -> ttlMs = v == -1 ? 0 : v;
                default -> throw AdminException.badRequest("unknown topic setting " + e.getKey());
            }
        }
        alterations.add(caller + " " + name + " " + changes);
        topics.put(name, new TopicDetail(new TopicInfo(name, t.partitions(), t.replicationFactor(), t.messageCount(),
                t.sizeBytes(), retentionMs, retentionBytes, segmentBytes, segmentMs, t.createdAtMs(), ttlMs),
                d.partitions()));
    }

    @Override
    public List<GroupInfo> groups() {
        List<GroupInfo> out = new ArrayList<>();
        new TreeMap<>(offsets).forEach((g, o) -> out.add(new GroupInfo(g,
                o.keySet().stream().map(k -> k.substring(0, k.indexOf('/'))).distinct().toList(), 0, lag(o))));
        return out;
    }

    private long lag(Map<String, Long> o) {
        long lag = 0;
        for (var e : o.entrySet()) {
            String topic = e.getKey().substring(0, e.getKey().indexOf('/'));
            lag += Math.max(0, topics.get(topic).partitions().get(0).endOffset() - e.getValue());
        }
        return lag;
    }

    @Override
    public Optional<GroupDetail> group(String name) {
        Map<String, Long> o = offsets.get(name);
        if (o == null) {
            return Optional.empty();
        }
        List<GroupPartition> parts = new ArrayList<>();
        new TreeMap<>(o).forEach((k, committed) -> {
            String topic = k.substring(0, k.indexOf('/'));
            long end = topics.get(topic).partitions().get(0).endOffset();
            long lag = Math.max(0, end - committed);
            parts.add(new GroupPartition(topic, 0, committed, end, lag, lag == 0 ? -1 : 1500));
        });
        return Optional.of(new GroupDetail(name, 0, List.of(), parts));
    }

    @Override
    public void resetOffsets(String caller, String group, String topic, int partition, String mode, long value) {
        long end = topics.get(topic).partitions().get(0).endOffset();
        long target = switch (mode) {
            case "earliest" -> 0;
            case "latest" -> end;
            default -> value;
        };
        offsets.get(group).put(topic + "/0", target);
    }

    @Override
    public void deleteGroup(String caller, String group, String topic) {
        offsets.remove(group);
    }

    @Override
    public MessagePage messages(String topic, int partition, long offset, int limit) {
        long end = topics.get(topic).partitions().get(partition).endOffset();
        List<Message> out = new ArrayList<>();
        for (long o = offset; o < end && out.size() < limit; o++) {
            out.add(new Message(o, 1_700_000_000_000L + o, ("k" + o).getBytes(StandardCharsets.UTF_8),
                    ("{\"n\":" + o + "}").getBytes(StandardCharsets.UTF_8),
                    List.of(new Header("h", "v".getBytes(StandardCharsets.UTF_8)))));
        }
        return new MessagePage(topic, partition, 0, end, offset + out.size(), out);
    }

    @Override
    public long offsetForTimestamp(String topic, int partition, long timestampMs) {
        return Math.max(0, timestampMs - 1_700_000_000_000L);
    }

    @Override
    public Traffic traffic() {
        return new Traffic(10, 100, 5, 50, 2, 2_000_000);
    }

    /** Schemas by subject: one version each, enough for the routes' shapes. */
    private final Map<String, SchemaInfo> schemas = new ConcurrentHashMap<>();

    @Override
    public List<SchemaInfo> schemas() {
        return List.copyOf(new TreeMap<>(schemas).values());
    }

    @Override
    public Optional<SchemaInfo> schema(String name) {
        return Optional.ofNullable(schemas.get(name));
    }

    @Override
    public SchemaInfo registerSchema(String caller, String name, String type, byte[] schema,
                                     String compatibility) {
        SchemaInfo s = new SchemaInfo(name, 1, schemas.size() + 1, type, new String(schema, StandardCharsets.UTF_8),
                compatibility.isEmpty() ? "BACKWARD" : compatibility, 0);
        schemas.put(name, s);
        return s;
    }

    @Override
    public void deleteSchema(String caller, String name) {
        if (schemas.remove(name) == null) {
            throw AdminException.notFound("schema subject '" + name + "' not found");
        }
    }

    /** Dead letters per topic, in queue order. */
    final Map<String, List<DeadLetter>> deadLetters = new ConcurrentHashMap<>();

    @Override
    public List<DeadLetter> deadLetters(String caller, String topic, int max) {
        List<DeadLetter> all = deadLetters.getOrDefault(topic, List.of());
        return List.copyOf(all.subList(0, Math.min(max, all.size())));
    }

    @Override
    public String replayDeadLetter(String caller, String topic, String id) {
        List<DeadLetter> all = new ArrayList<>(deadLetters.getOrDefault(topic, List.of()));
        if (!all.removeIf(d -> d.id().equals(id))) {
            throw AdminException.notFound("message not found: no dead letter " + id);
        }
        deadLetters.put(topic, all);
        return "replayed dead letter " + id + " to " + topic;
    }

    @Override
    public String purgeDeadLetters(String caller, String topic) {
        deadLetters.remove(topic);
        return "purged";
    }

    @Override
    public void reassignPartition(String caller, String topic, int partition, List<String> replicas, boolean cancel) {
        PartitionAssignment current = partitions().stream().filter(a -> a.topic().equals(topic)
                && a.partition() == partition).findFirst().orElseThrow(() -> AdminException.notFound(
                "partition " + topic + "-" + partition + " not found"));
        if (cancel) {
            PartitionMove m = moves.stream().filter(x -> x.topic().equals(topic) && x.partition() == partition)
                    .findFirst().orElseThrow(() -> AdminException.badRequest("no move of " + topic + "-" + partition));
            moves.remove(m);
            moves.add(new PartitionMove(topic, partition, m.from(), m.from(), true));
            return;
        }
        if (moves.stream().anyMatch(x -> x.topic().equals(topic) && x.partition() == partition)) {
            throw AdminException.conflict("partition " + topic + "-" + partition + " is already moving");
        }
        moves.add(new PartitionMove(topic, partition, current.replicas(), replicas, false));
    }

    @Override
    public List<PartitionMove> reassignments() {
        return List.copyOf(moves);
    }

    @Override
    public List<PartitionMove> rebalance(String caller, boolean dryRun) {
        List<PartitionMove> plan = new java.util.ArrayList<>();
        for (PartitionAssignment a : partitions()) {
            List<String> to = List.of("n2"); // the fake's plan: everything to the one other node
            if (!to.equals(a.replicas())) {
                plan.add(new PartitionMove(a.topic(), a.partition(), a.replicas(), to, false));
            }
        }
        if (!dryRun) {
            moves.addAll(plan);
        }
        return plan;
    }
}
