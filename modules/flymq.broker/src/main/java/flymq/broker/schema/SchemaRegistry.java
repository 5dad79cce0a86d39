package flymq.broker.schema;

import flymq.protocol.RequestException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The schema registry's state: subjects, their versions and the registry-wide ids, changed only by
 * {@link #apply(SchemaChange)}, which is deterministic (it depends on the state and the change alone, the clock
 * included in the change), so every node of a cluster that applies the same changes in the same order holds the same
 * registry, and refuses the same registrations with the same message.
 *
 * <p>Reads never lock: the state is an immutable value swapped on each change. Produce enforcement asks
 * {@link #bound(String)} once per request: one hash lookup in a topic-to-schema table built when the state changes,
 * so a topic without a schema costs that lookup and nothing else.
 *
 * <p><b>Subjects and topics.</b> A subject governs the records of topic {@code T} when it is named {@code T-value}
 * (Confluent's topic name strategy) or, failing that, {@code T}; its latest live version is the one enforced. Keys
 * are not validated.
 *
 * <p>On a single node the state is written to {@code schemas.json} ({@link SchemaStore}) before a change takes
 * effect; in a cluster the metadata Raft log and its snapshots hold it ({@link #snapshot()}, {@link #install}).
 */
public final class SchemaRegistry {
    private final Compatibility defaultCompatibility;
    private final Consumer<byte[]> persist;
    private final ReentrantLock writes = new ReentrantLock();
    private final ConcurrentHashMap<Integer, ParsedSchema> parsed = new ConcurrentHashMap<>();
    private volatile State state;

    /** One subject: live versions oldest first, the next version number, its own mode (null = the default). */
    record Subject(String name, List<SchemaVersion> versions, int nextVersion, Compatibility compatibility) {
        Subject {
            versions = List.copyOf(versions);
        }

        SchemaVersion latest() {
            return versions.getLast();
        }
    }

    /** Everything the registry holds; {@code bound} is derived (topic → enforced version). */
    record State(Map<String, Subject> subjects, int nextId, Map<String, SchemaVersion> bound) {
        static final State EMPTY = of(Map.of(), 1);

        static State of(Map<String, Subject> subjects, int nextId) {
            Map<String, SchemaVersion> bound = new HashMap<>();
            for (Subject s : subjects.values()) {
                if (s.name().endsWith("-value") && s.name().length() > "-value".length()) {
                    bound.put(s.name().substring(0, s.name().length() - "-value".length()), s.latest());
                }
            }
            for (Subject s : subjects.values()) {
                bound.putIfAbsent(s.name(), s.latest());
            }
            return new State(Collections.unmodifiableMap(new TreeMap<>(subjects)), nextId, Map.copyOf(bound));
        }
    }

    /** An enforced schema: the version and its parsed form. */
    public record Bound(SchemaVersion version, ParsedSchema schema) {
    }

    private SchemaRegistry(Compatibility defaultCompatibility, State initial, Consumer<byte[]> persist) {
        this.defaultCompatibility = defaultCompatibility;
        this.state = initial;
        this.persist = persist;
    }

    /** A single node's registry, loaded from and written to {@code store}. */
    public static SchemaRegistry open(SchemaStore store, Compatibility defaultCompatibility) {
        return new SchemaRegistry(defaultCompatibility, store.load(), s -> store.save(s));
    }

    /** A cluster node's registry: in memory, rebuilt from the metadata group's snapshot and log. */
    public static SchemaRegistry inMemory(Compatibility defaultCompatibility) {
        return new SchemaRegistry(defaultCompatibility, State.EMPTY, s -> { });
    }

    public Compatibility defaultCompatibility() {
        return defaultCompatibility;
    }

    // ------------------------------------------------------------------------------------------------ changes

    /**
     * Applies a change. A registration returns the version that holds the definition (the existing one when the
     * subject already has this exact definition: registering is idempotent); a deletion returns null.
     *
     * @throws InvalidSchemaException      when the definition does not parse
     * @throws IncompatibleSchemaException when it breaks the subject's compatibility mode
     * @throws RequestException            when a deleted subject or version does not exist
     */
    public SchemaVersion apply(SchemaChange change) {
        writes.lock();
        try {
            State before = state;
            Result r = switch (change) {
                case SchemaChange.Register reg -> register(before, reg);
                case SchemaChange.Delete del -> delete(before, del);
            };
            if (r.state != before) {
                persist.accept(SchemaSnapshot.encode(r.state));
                state = r.state;
            }
            return r.version;
        } finally {
            writes.unlock();
        }
    }

    private record Result(State state, SchemaVersion version) {
    }

    private Result register(State s, SchemaChange.Register r) {
        String subject = r.subject();
        if (subject.isBlank()) {
            throw new RequestException("schema subject name is empty");
        }
        ParsedSchema candidate = r.format().parse(r.definition());
        Subject existing = s.subjects().get(subject);
        if (existing != null) {
            for (SchemaVersion v : existing.versions()) {
                if (v.sameDefinition(r.format(), r.definition())) {
                    if (r.compatibility() == null || r.compatibility() == existing.compatibility()) {
                        return new Result(s, v);
                    }
                    Map<String, Subject> subjects = new TreeMap<>(s.subjects());
                    subjects.put(subject, new Subject(subject, existing.versions(), existing.nextVersion(),
                            r.compatibility()));
                    return new Result(State.of(subjects, s.nextId()), v);
                }
            }
        }
        Compatibility mode = r.compatibility() != null ? r.compatibility()
                : existing != null && existing.compatibility() != null ? existing.compatibility()
                : r.fallback() != null ? r.fallback() : defaultCompatibility;
        if (existing != null) {
            List<Compatibility.Versioned> previous = new ArrayList<>();
            for (SchemaVersion v : existing.versions()) {
                previous.add(new Compatibility.Versioned(v.version(), parsed(v)));
            }
            String problem = mode.check(subject, candidate, previous);
            if (problem != null) {
                throw new IncompatibleSchemaException(problem);
            }
        }
        int id = s.nextId();
        int nextId = s.nextId() + 1;
        SchemaVersion same = findDefinition(s, r.format(), r.definition());
        if (same != null) {
            id = same.id();
            nextId = s.nextId();
        }
        int version = existing == null ? 1 : existing.nextVersion();
        SchemaVersion added = new SchemaVersion(subject, version, id, r.format(), r.definition().clone(),
                r.registeredMs());
        parsed.putIfAbsent(id, candidate);
        List<SchemaVersion> versions = new ArrayList<>(existing == null ? List.of() : existing.versions());
        versions.add(added);
        Map<String, Subject> subjects = new TreeMap<>(s.subjects());
        subjects.put(subject, new Subject(subject, versions, version + 1,
                r.compatibility() != null ? r.compatibility() : existing == null ? null : existing.compatibility()));
        return new Result(State.of(subjects, nextId), added);
    }

    private static SchemaVersion findDefinition(State s, SchemaFormat format, byte[] definition) {
        for (Subject subject : s.subjects().values()) {
            for (SchemaVersion v : subject.versions()) {
                if (v.sameDefinition(format, definition)) {
                    return v;
                }
            }
        }
        return null;
    }

    private static Result delete(State s, SchemaChange.Delete d) {
        Subject subject = s.subjects().get(d.subject());
        if (subject == null) {
            throw new RequestException("schema subject '" + d.subject() + "' not found");
        }
        Map<String, Subject> subjects = new TreeMap<>(s.subjects());
        if (d.version() == 0) {
            subjects.remove(d.subject());
            return new Result(State.of(subjects, s.nextId()), null);
        }
        List<SchemaVersion> kept = subject.versions().stream().filter(v -> v.version() != d.version()).toList();
        if (kept.size() == subject.versions().size()) {
            throw new RequestException("version " + d.version() + " of schema subject '" + d.subject()
                    + "' not found (versions " + subject.versions().stream().map(SchemaVersion::version).toList()
                    + ")");
        }
        if (kept.isEmpty()) {
            subjects.remove(d.subject());
        } else {
            subjects.put(d.subject(), new Subject(d.subject(), kept, subject.nextVersion(), subject.compatibility()));
        }
        return new Result(State.of(subjects, s.nextId()), null);
    }

    // ------------------------------------------------------------------------------------------------ reads

    /** The schema enforced on records of {@code topic}, or null when none governs it. */
    public Bound bound(String topic) {
        SchemaVersion v = state.bound().get(topic);
        return v == null ? null : new Bound(v, parsed(v));
    }

    /** The parsed form of a registered version (parsed once per id). */
    public ParsedSchema parsed(SchemaVersion v) {
        ParsedSchema p = parsed.get(v.id());
        return p != null ? p : parsed.computeIfAbsent(v.id(), id -> v.format().parse(v.definition()));
    }

    /** Every subject, by name. */
    public List<String> subjects() {
        return List.copyOf(state.subjects().keySet());
    }

    /** Live versions of {@code subject}, oldest first; empty when the subject does not exist. */
    public List<SchemaVersion> versions(String subject) {
        Subject s = state.subjects().get(subject);
        return s == null ? List.of() : s.versions();
    }

    /** A version of {@code subject}; {@code version <= 0}: the latest. */
    public Optional<SchemaVersion> version(String subject, int version) {
        Subject s = state.subjects().get(subject);
        if (s == null) {
            return Optional.empty();
        }
        if (version <= 0) {
            return Optional.of(s.latest());
        }
        return s.versions().stream().filter(v -> v.version() == version).findFirst();
    }

    /** The subject's effective compatibility mode. */
    public Compatibility compatibility(String subject) {
        Subject s = state.subjects().get(subject);
        return s == null || s.compatibility() == null ? defaultCompatibility : s.compatibility();
    }

    /** A live version with this id (the first subject's, by name), if any. */
    public Optional<SchemaVersion> byId(int id) {
        for (Subject s : state.subjects().values()) {
            for (SchemaVersion v : s.versions()) {
                if (v.id() == id) {
                    return Optional.of(v);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * LIST_SCHEMAS: every live version, by subject; a non-empty {@code filter} keeps the subjects bound to that topic
     * ({@code filter-value} and {@code filter}).
     */
    public List<SchemaVersion> list(String filter) {
        List<SchemaVersion> all = new ArrayList<>();
        for (Subject s : state.subjects().values()) {
            if (filter.isEmpty() || s.name().equals(filter) || s.name().equals(filter + "-value")) {
                all.addAll(s.versions());
            }
        }
        return all;
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    /** The whole state in {@link SchemaSnapshot}'s form (the metadata group's snapshot section). */
    public byte[] snapshot() {
        return SchemaSnapshot.encode(state);
    }

    /** Replaces the whole state with a {@link #snapshot()} (a cluster node catching up). */
    public void install(byte[] snapshot) {
        State s = SchemaSnapshot.decode(snapshot, "metadata snapshot");
        writes.lock();
        try {
            persist.accept(SchemaSnapshot.encode(s));
            state = s;
        } finally {
            writes.unlock();
        }
    }
}
