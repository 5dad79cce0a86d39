package flymq.broker.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flymq.storage.AtomicFile;
import flymq.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The users and topic ACLs of one node, kept in memory and in {@code security.json} under the data directory
 * (written whole through {@link AtomicFile} after every change, so a crash leaves the old or the new file):
 * <pre>
 * {
 *   "version": 1,
 *   "users": [ {"name": "alice", "password_hash": "pbkdf2-sha256$600000$...$...", "roles": ["producer"],
 *               "enabled": true, "created_ms": 1764720000000, "updated_ms": 1764720000000} ],
 *   "acls":  [ {"topic": "payments", "public": false, "users": ["alice"], "roles": ["consumer"]} ]
 * }
 * </pre>
 * Entries are sorted by name, so equal states are equal bytes (the metadata snapshot's security section is this
 * file). A missing {@code enabled} reads as true; a file of another version, or an entry without its name, refuses
 * to load with the file named: the broker does not start on security state it cannot read.
 *
 * <p>In a cluster the store is the state of the metadata Raft group's security commands: changes arrive through
 * {@link #apply} on every node in log order, and {@link #install} replaces everything from a snapshot. Reads are
 * lock-free (checked on every request); writes are serialized.
 */
public final class SecurityStore {
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicFile file;
    private final ConcurrentHashMap<String, User> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TopicAcl> acls = new ConcurrentHashMap<>();

    private SecurityStore(AtomicFile file) {
        this.file = file;
    }

    /** Loads {@code path} when it exists; an absent file is an empty store. */
    public static SecurityStore open(Path path) {
        SecurityStore s = new SecurityStore(new AtomicFile(path));
        s.file.read().ifPresent(bytes -> s.load(bytes, "security file " + path));
        return s;
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    User userOrNull(String name) {
        return users.get(name);
    }

    TopicAcl aclOrNull(String topic) {
        return acls.get(topic);
    }

    public Optional<TopicAcl> acl(String topic) {
        return Optional.ofNullable(acls.get(topic));
    }

    /** Sorted by name. */
    public List<User> users() {
        return List.copyOf(new TreeMap<>(users).values());
    }

    /** Sorted by topic. */
    public List<TopicAcl> acls() {
        return List.copyOf(new TreeMap<>(acls).values());
    }

    /** Applies and persists the change; returns whether anything changed. */
    public synchronized boolean apply(SecurityChange change) {
        boolean changed = switch (change) {
            case SecurityChange.PutUser p -> !p.user().equals(users.put(p.user().name(), p.user()));
            case SecurityChange.DeleteUser d -> users.remove(d.name()) != null;
            case SecurityChange.PutAcl p -> !p.acl().equals(acls.put(p.acl().topic(), p.acl()));
            case SecurityChange.DeleteAcl d -> acls.remove(d.topic()) != null;
        };
        if (changed) {
            file.write(snapshot());
        }
        return changed;
    }

    /** Whether the state holds what {@code change} leaves behind (a replicated change has been applied here). */
    public boolean reflects(SecurityChange change) {
        return switch (change) {
            case SecurityChange.PutUser p -> p.user().equals(users.get(p.user().name()));
            case SecurityChange.DeleteUser d -> !users.containsKey(d.name());
            case SecurityChange.PutAcl p -> p.acl().equals(acls.get(p.acl().topic()));
            case SecurityChange.DeleteAcl d -> !acls.containsKey(d.topic());
        };
    }

    /** The whole state in the file's format. */
    public synchronized byte[] snapshot() {
        ObjectNode root = JSON.createObjectNode().put("version", VERSION);
        ArrayNode u = root.putArray("users");
        new TreeMap<>(users).values().forEach(user -> u.add(userJson(user)));
        ArrayNode a = root.putArray("acls");
        new TreeMap<>(acls).values().forEach(acl -> a.add(aclJson(acl)));
        return root.toPrettyString().getBytes(StandardCharsets.UTF_8);
    }

    /** Replaces the whole state with a {@link #snapshot()} from elsewhere ({@code source} names it in errors). */
    public synchronized void install(byte[] bytes, String source) {
        load(bytes, source);
        file.write(snapshot());
    }

    private void load(byte[] bytes, String source) {
        Map<String, User> u = new TreeMap<>();
        Map<String, TopicAcl> a = new TreeMap<>();
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || root.path("version").asInt(-1) != VERSION) {
                throw new StorageException(source + ": expected version " + VERSION + ", found "
                        + (root == null ? "nothing" : root.path("version")));
            }
            for (JsonNode n : root.path("users")) {
                User user = user(n, source);
                u.put(user.name(), user);
            }
            for (JsonNode n : root.path("acls")) {
                TopicAcl acl = acl(n, source);
                a.put(acl.topic(), acl);
            }
        } catch (IOException e) {
            throw new StorageException(source + " is not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new StorageException(e.getMessage(), e);
        }
        users.clear();
        users.putAll(u);
        acls.clear();
        acls.putAll(a);
    }

    static ObjectNode userJson(User u) {
        ObjectNode o = JSON.createObjectNode().put("name", u.name()).put("password_hash", u.passwordHash());
        ArrayNode roles = o.putArray("roles");
        u.roles().forEach(roles::add);
        return o.put("enabled", u.enabled()).put("created_ms", u.createdMs()).put("updated_ms", u.updatedMs());
    }

    static ObjectNode aclJson(TopicAcl acl) {
        ObjectNode o = JSON.createObjectNode().put("topic", acl.topic()).put("public", acl.isPublic());
        ArrayNode users = o.putArray("users");
        acl.users().forEach(users::add);
        ArrayNode roles = o.putArray("roles");
        acl.roles().forEach(roles::add);
        return o;
    }

    static User user(JsonNode n, String source) {
        // the bootstrap admin's hash is empty, but it is never stored: a stored user always has one
        return new User(text(n, "name", source), text(n, "password_hash", source), strings(n.path("roles")),
                n.path("enabled").asBoolean(true), n.path("created_ms").asLong(0), n.path("updated_ms").asLong(0));
    }

    static TopicAcl acl(JsonNode n, String source) {
        return new TopicAcl(text(n, "topic", source), n.path("public").asBoolean(false), strings(n.path("users")),
                strings(n.path("roles")));
    }

    static String text(JsonNode n, String field, String source) {
        String v = n.path(field).asText("");
        if (v.isEmpty()) {
            throw new IllegalArgumentException(source + ": entry without '" + field + "': " + n);
        }
        return v;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }
}
