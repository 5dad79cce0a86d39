package flymq.broker.group;

import flymq.broker.BrokerListener;
import flymq.protocol.RequestException;
import flymq.broker.server.Session;
import flymq.broker.topic.RecordExpiry;
import flymq.broker.topic.TopicManager;
import flymq.storage.OffsetStore;
import flymq.storage.PartitionLog;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Consumer groups (wire spec 7): committed offsets per (topic, group, partition), members per connection, lag,
 * resets and deletion. Committed offsets and the group list with its rebalance counts are durable in an
 * {@link OffsetStore} (key layout in {@link OffsetKeys}); members are connections and so are not.
 *
 * <p>Differences from upstream, on purpose: every (topic, group) a connection subscribed is left when it closes
 * (upstream only left the last one and leaked the others); a member that sends nothing for the session timeout is
 * removed; negative partitions are rejected. Each join or leave counts as one rebalance.
 */
public final class GroupCoordinator implements AutoCloseable {
    private final OffsetStore store;
    private final TopicManager topics;
    private final BrokerListener listener;
    private final long sessionTimeoutNanos;
    private final RecordExpiry expiry;
    private final Map<GroupKey, Group> groups = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile HiddenRecords hidden = (topic, partition, log, from, to) -> 0;

    private static final class Group {
        final GroupKey key;
        final SortedMap<Integer, Long> offsets = new TreeMap<>();
        final Map<String, Session> members = new ConcurrentHashMap<>();
        long rebalances;

        Group(GroupKey key) {
            this.key = key;
        }
    }

    /** A copy of one group's state. {@code offsets} maps partition to committed offset. */
    public record GroupSnapshot(String topic, String group, List<String> members, long rebalances,
                                SortedMap<Integer, Long> offsets) {
    }

    /** GET_LAG's answer. */
    public record Lag(long committed, long latest, long lag) {

        /**
         * Records from {@code committed} up to {@code end}: never negative, and never wrapped by a committed offset
         * stored before offsets were checked (a negative one counts from 0).
         */
        public static long of(long committed, long end) {
            return committed >= end ? 0 : end - Math.max(0, committed);
        }

        /**
         * {@link #of} for a partition's log, less the records of the range that have expired at {@code nowMs}
         * (TTL): no read path would deliver them, so they are nothing left to consume.
         */
        public static long of(long committed, PartitionLog log, long nowMs) {
            long end = log.endOffset();
            long lag = of(committed, end);
            if (lag == 0) {
                return 0;
            }
            return lag - log.countExpired(Math.max(Math.max(0, committed), log.startOffset()), end, nowMs);
        }
    }

    /** Counts the records of {@code [from, to)} that are not messages for a reader (transaction markers, aborted). */
    @FunctionalInterface
    public interface HiddenRecords {
        long count(String topic, int partition, PartitionLog log, long from, long to);
    }

    /** Largest lag GET_LAG counts exactly, record by record; beyond it every record counts. */
    public static final int EXACT_LAG_RECORDS = 64;

    /** GET_LAG leaves out hidden records when the lag is at most {@link #EXACT_LAG_RECORDS}. */
    public void countHiddenWith(HiddenRecords counter) {
        this.hidden = counter;
    }

    public GroupCoordinator(OffsetStore store, TopicManager topics, BrokerListener listener, long sessionTimeoutMs) {
        this(store, topics, listener, sessionTimeoutMs, new RecordExpiry(InstantSource.system(), 0));
    }

    /** @param expiry the broker's clock, by which lag leaves out expired records */
    public GroupCoordinator(OffsetStore store, TopicManager topics, BrokerListener listener, long sessionTimeoutMs,
                            RecordExpiry expiry) {
        this.expiry = expiry;
        this.store = store;
        this.topics = topics;
        this.listener = listener;
        this.sessionTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs);
        load();
    }

    private void load() {
        store.snapshot().forEach((k, v) -> {
            OffsetKeys.Parsed p = OffsetKeys.parse(k);
            if (p == null) {
                return;
            }
            Group g = groups.computeIfAbsent(new GroupKey(p.topic(), p.group()), Group::new);
            if (p.offset()) {
                g.offsets.put(p.partition(), v);
            } else {
                g.rebalances = v;
            }
        });
    }

    /** Creates the group durably if needed; call with the lock held. */
    private Group groupForUpdate(GroupKey key) {
        Group g = groups.get(key);
        if (g == null) {
            store.put(OffsetKeys.groupKey(key.topic(), key.group()), 0);
            g = new Group(key);
            groups.put(key, g);
        }
        return g;
    }

    private Group existing(String topic, String group) {
        Group g = groups.get(new GroupKey(topic, group));
        if (g == null) {
            throw new RequestException("consumer group not found: " + topic + ":" + group);
        }
        return g;
    }

    private static void checkPartition(String topic, int partition) {
        if (partition < 0) {
            throw new RequestException("invalid partition " + partition + " for topic " + topic
                    + ": partitions are numbered from 0");
        }
    }

    /**
     * SUBSCRIBE: the position to fetch from, and membership of the connection when {@code group} is not empty.
     *
     * @param mode earliest | latest | commit; empty means latest
     */
    public long subscribe(Session session, String topic, String group, int partition, String mode) {
        PartitionLog log = topics.topic(topic).log(partition);
        long position = switch (mode) {
            case "earliest" -> log.startOffset();
            case "", "latest" -> log.endOffset();
            case "commit" -> {
                Group g = groups.get(new GroupKey(topic, group));
                Long committed = null;
                if (g != null) {
                    lock.lock();
                    try {
                        committed = g.offsets.get(partition);
                    } finally {
                        lock.unlock();
                    }
                }
                yield committed != null ? committed : log.startOffset();
            }
            default -> throw new RequestException("unknown subscribe mode: " + mode
                    + " (expected earliest, latest or commit)");
        };
        if (!group.isEmpty()) {
            join(session, new GroupKey(topic, group));
        }
        return position;
    }

    private void join(Session session, GroupKey key) {
        boolean joined;
        lock.lock();
        try {
            Group g = groupForUpdate(key);
            joined = g.members.putIfAbsent(session.memberId(), session) == null;
            if (joined) {
                session.memberships().add(key);
                g.rebalances++;
                store.put(OffsetKeys.groupKey(key.topic(), key.group()), g.rebalances);
            }
        } finally {
            lock.unlock();
        }
        if (joined) {
            listener.memberJoined(key.group(), key.topic());
        }
    }

    /** Removes the connection from every group it joined (connection closed). */
    public void leaveAll(Session session) {
        for (Object o : List.copyOf(session.memberships())) {
            if (o instanceof GroupKey key) {
                leave(session, key);
            }
        }
    }

    private void leave(Session session, GroupKey key) {
        boolean left = false;
        lock.lock();
        try {
            session.memberships().remove(key);
            Group g = groups.get(key);
            if (g != null && g.members.remove(session.memberId(), session)) {
                left = true;
                g.rebalances++;
                store.put(OffsetKeys.groupKey(key.topic(), key.group()), g.rebalances);
            }
        } finally {
            lock.unlock();
        }
        if (left) {
            listener.memberLeft(key.group(), key.topic());
        }
    }

    /** Removes members whose connection has sent nothing for the session timeout. */
    public void expireMembers(long nowNanos) {
        for (Group g : groups.values()) {
            for (Session s : g.members.values()) {
                if (nowNanos - s.lastActivityNanos() > sessionTimeoutNanos) {
                    leave(s, g.key);
                }
            }
        }
    }

    /**
     * The edge check of COMMIT and of RESET_OFFSET to an offset: an offset names the next record the group will
     * read, so it lies in {@code 0 .. end offset} of the partition's log (the end itself means "caught up"). An offset
     * below the log start is accepted (a group can fall behind retention), one beyond the end is refused, like a
     * u64 of 2^63 or more (a negative {@code long}). Runs where the request arrives (in a cluster, see
     * {@link #withinLocalLog}), never when a replicated commit is applied (a replica's log may lag behind).
     *
     * @throws RequestException naming the request, group, partition, offset and the partition's end offset
     */
    public void checkOffset(String request, String topic, String group, int partition, long offset) {
        checkPartition(topic, partition);
        long end = topics.topic(topic).log(partition).endOffset();
        if (offset < 0 || offset > end) {
            throw new RequestException(request + " offset " + Long.toUnsignedString(offset) + " of group " + group
                    + " for " + topic + "-" + partition + " is beyond the end of the partition (end offset " + end
                    + "): an offset names the next record to read, so it is at most " + end);
        }
    }

    /**
     * Whether this node's log of the partition shows {@code offset} valid ({@link #checkOffset} would pass). A
     * replica holds only committed records, so its end is at most its leader's: an offset valid here is valid on
     * the leader, and only an offset beyond this log's end needs the leader's word.
     */
    public boolean withinLocalLog(String topic, int partition, long offset) {
        checkPartition(topic, partition);
        return offset >= 0 && offset <= topics.topic(topic).log(partition).endOffset();
    }

    /**
     * COMMIT: stores the offset (checked by {@link #checkOffset} where the request arrived); durable when it
     * returns.
     */
    public void commit(String topic, String group, int partition, long offset) {
        checkPartition(topic, partition);
        lock.lock();
        try {
            Group g = groupForUpdate(new GroupKey(topic, group));
            Long old = g.offsets.get(partition);
            if (old == null || old != offset) {
                store.put(OffsetKeys.offsetKey(topic, group, partition), offset);
                g.offsets.put(partition, offset);
            }
        } finally {
            lock.unlock();
        }
        listener.committed(group, topic, partition, offset);
    }

    /** GET_OFFSET: the committed offset, 0 when the partition has none. */
    public long committed(String topic, String group, int partition) {
        checkPartition(topic, partition);
        Group g = existing(topic, group);
        lock.lock();
        try {
            return g.offsets.getOrDefault(partition, 0L);
        } finally {
            lock.unlock();
        }
    }

    /** RESET_OFFSET. @param mode earliest | latest | offset | timestamp; {@code value} is used by the last two */
    public long reset(String topic, String group, int partition, String mode, OptionalLong value) {
        long target = resetTarget(topic, group, partition, mode, value);
        commit(topic, group, partition, target);
        return target;
    }

    /**
     * The offset a RESET_OFFSET of {@code mode} resolves to on this node's log of the partition (a cluster resolves
     * it on the partition's leader and then commits it through the metadata group). Mode {@code offset} is checked
     * like a COMMIT ({@link #checkOffset}).
     */
    public long resetTarget(String topic, String group, int partition, String mode, OptionalLong value) {
        checkPartition(topic, partition);
        PartitionLog log = topics.topic(topic).log(partition);
        long target = switch (mode) {
            case "earliest" -> log.startOffset();
            case "latest" -> log.endOffset();
            case "offset" -> {
                long offset = value.orElseThrow(() -> new RequestException("reset mode offset needs a u64 offset"));
                checkOffset("RESET_OFFSET", topic, group, partition, offset);
                yield offset;
            }
            case "timestamp" -> log.offsetForTimestamp(value.orElseThrow(
                    () -> new RequestException("reset mode timestamp needs an i64 timestamp in ms")));
            default -> throw new RequestException("unknown reset mode: " + mode
                    + " (expected earliest, latest, offset or timestamp)");
        };
        return target;
    }

    /**
     * GET_LAG: lag = end offset - committed (0 when the commit is at or past the end) less the expired records (TTL)
     * in between, committed 0 when absent. A lag of at most {@link #EXACT_LAG_RECORDS} also leaves out transaction
     * markers and aborted records, so that a reader whose position stopped before trailing markers (the official SDKs
     * do not move past records they are not given) shows no lag; a larger lag counts them, which costs no read.
     */
    public Lag lag(String topic, String group, int partition) {
        Group g = existing(topic, group);
        PartitionLog log = topics.topic(topic).log(partition);
        long committed;
        lock.lock();
        try {
            committed = g.offsets.getOrDefault(partition, 0L);
        } finally {
            lock.unlock();
        }
        long latest = log.endOffset();
        return new Lag(committed, latest, lag(topic, partition, log, committed, latest));
    }

    /**
     * The lag of {@code committed} on a partition as GET_LAG counts it; an unknown topic or partition counts from an
     * end of 0.
     */
    public long lagOf(String topic, int partition, long committed) {
        return topics.find(topic).filter(t -> partition < t.partitionCount())
                .map(t -> lag(topic, partition, t.log(partition), committed, t.log(partition).endOffset()))
                .orElse(Lag.of(committed, 0));
    }

    /**
     * The lag of {@code committed} against {@code end} as GET_LAG reports it (and the metrics and the admin API):
     * expired records (TTL) left out, and transaction markers and aborted records up to {@link #EXACT_LAG_RECORDS}.
     */
    public long lag(String topic, int partition, PartitionLog log, long committed, long end) {
        long raw = Lag.of(committed, end);
        if (raw == 0) {
            return 0;
        }
        long lag = raw - log.countExpired(Math.max(Math.max(0, committed), log.startOffset()), end, expiry.nowMs());
        if (raw <= EXACT_LAG_RECORDS) {
            // an expired marker or aborted record would be left out twice: never below 0
            lag -= hidden.count(topic, partition, log, Math.max(0, committed), end);
        }
        return Math.max(0, lag);
    }

    /** DELETE_GROUP for one (topic, group): forgets offsets and members. */
    public void delete(String topic, String group) {
        Group g = existing(topic, group);
        lock.lock();
        try {
            for (Integer p : g.offsets.keySet()) {
                store.remove(OffsetKeys.offsetKey(topic, group, p));
            }
            store.remove(OffsetKeys.groupKey(topic, group));
            groups.remove(g.key);
            for (Session s : g.members.values()) {
                s.memberships().remove(g.key);
            }
        } finally {
            lock.unlock();
        }
        listener.groupDeleted(group, topic);
    }

    /** DELETE_GROUP by group id alone (the Java SDK's form): every topic's group of that id. @return how many */
    public int deleteAll(String group) {
        List<GroupKey> keys = groups.keySet().stream().filter(k -> k.group().equals(group)).toList();
        if (keys.isEmpty()) {
            throw new RequestException("consumer group not found: " + group);
        }
        for (GroupKey k : keys) {
            delete(k.topic(), k.group());
        }
        return keys.size();
    }

    /** All groups, ordered by topic then group id. */
    public List<GroupSnapshot> snapshot() {
        List<GroupSnapshot> out = new ArrayList<>();
        lock.lock();
        try {
            for (Group g : groups.values()) {
                out.add(new GroupSnapshot(g.key.topic(), g.key.group(),
                        g.members.keySet().stream().sorted().toList(), g.rebalances, new TreeMap<>(g.offsets)));
            }
        } finally {
            lock.unlock();
        }
        out.sort(Comparator.comparing(GroupSnapshot::topic).thenComparing(GroupSnapshot::group));
        return out;
    }

    /** One group, or a not-found error. */
    public GroupSnapshot describe(String topic, String group) {
        existing(topic, group);
        return snapshot().stream().filter(s -> s.topic().equals(topic) && s.group().equals(group)).findFirst()
                .orElseThrow(() -> new RequestException("consumer group not found: " + topic + ":" + group));
    }

    @Override
    public void close() {
        store.close();
    }
}
