package flymq.broker.topic;

import flymq.broker.BrokerListener;
import flymq.broker.cluster.TopicCatalog;
import flymq.protocol.RequestException;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.PartitionLog;
import flymq.storage.TopicPartition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Owns the set of topics: create, delete, look up, auto-create on produce. Lookups (the produce and fetch path) are
 * lock-free map reads; create and delete are serialised and write {@code topics.json} before touching logs
 * (create) or after forgetting the topic (delete), so that after a crash a partition directory without a topic
 * entry can only be the leftover of a delete and is removed at start-up.
 */
public final class TopicManager implements TopicCatalog {
    private static final System.Logger LOG = System.getLogger(TopicManager.class.getName());
    /** Upper bound for one topic's partition count: each partition holds open files. */
    public static final int MAX_PARTITIONS = 10_000;

    private final LogStore store;
    private final LogConfig defaults;
    private final TopicMetadataStore metadata;
    private final boolean autoCreate;
    private final int autoCreatePartitions;
    private final int maxReplicationFactor;
    private final BrokerListener listener;
    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final Map<String, TopicMetadataStore.Entry> entries = new LinkedHashMap<>();
    private final ReentrantLock changeLock = new ReentrantLock();

    /**
     * Loads the topic definitions ({@code topics.json}, {@code metadataFile}), opens every partition log and removes partition directories no topic owns.
     *
     * @param maxReplicationFactor nodes available to hold replicas (1 on a single node)
     */
    public static TopicManager open(LogStore store, Path metadataFile, LogConfig defaults, boolean autoCreate,
                                    int autoCreatePartitions, int maxReplicationFactor, BrokerListener listener) {
        TopicManager m = new TopicManager(store, metadataFile, defaults, autoCreate, autoCreatePartitions,
                maxReplicationFactor, listener);
        m.recover();
        return m;
    }

    private TopicManager(LogStore store, Path metadataFile, LogConfig defaults, boolean autoCreate,
                         int autoCreatePartitions, int maxReplicationFactor, BrokerListener listener) {
        this.store = store;
        this.defaults = defaults;
        this.metadata = new TopicMetadataStore(metadataFile);
        this.autoCreate = autoCreate;
        this.autoCreatePartitions = autoCreatePartitions;
        this.maxReplicationFactor = maxReplicationFactor;
        this.listener = listener;
    }

    private void recover() {
        entries.putAll(metadata.load());
        entries.forEach((name, e) -> topics.put(name, openLogs(name, e)));
        Set<String> orphans = new TreeSet<>();
        for (TopicPartition tp : store.partitions()) {
            Topic t = topics.get(tp.topic());
            if (t == null || tp.partition() >= t.partitionCount()) {
                orphans.add(tp.topic());
            }
        }
        for (String orphan : orphans) {
            if (!topics.containsKey(orphan)) {
                LOG.log(System.Logger.Level.WARNING, "removing partition logs of topic '" + orphan
                        + "', which topics.json does not list (left over from an interrupted delete)");
                store.deleteTopic(orphan);
            }
        }
    }

    private Topic openLogs(String name, TopicMetadataStore.Entry e) {
        LogConfig config = logConfig(e.settings());
        PartitionLog[] logs = new PartitionLog[e.settings().partitions()];
        for (int p = 0; p < logs.length; p++) {
            logs[p] = store.getOrCreate(name, p, config);
        }
        return new Topic(name, e.settings(), e.createdMs(), logs);
    }

    private LogConfig logConfig(TopicSettings s) {
        LogConfig c = defaults;
        if (s.retentionMs() >= 0) {
            c = c.withRetentionMs(s.retentionMs());
        }
        if (s.retentionBytes() >= 0) {
            c = c.withRetentionBytes(s.retentionBytes());
        }
        if (s.segmentBytes() > 0) {
            c = c.withSegmentBytes(s.segmentBytes());
        }
        if (s.segmentMs() > 0) {
            c = c.withSegmentMs(s.segmentMs());
        }
        return c;
    }

    /** @throws RequestException {@code topic not found: <name>} */
    public Topic topic(String name) {
        Topic t = topics.get(name);
        if (t == null) {
            throw new RequestException("topic not found: " + name);
        }
        return t;
    }

    public Optional<Topic> find(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** The topic to produce to, created with the auto-create partition count when absent and allowed. */
    public Topic forProduce(String name) {
        Topic t = topics.get(name);
        if (t != null) {
            return t;
        }
        if (!autoCreate) {
            throw new RequestException("topic not found: " + name + " (auto_create_topics is off)");
        }
        return create(name, TopicSettings.ofPartitions(autoCreatePartitions));
    }

    /**
     * Creates a topic; creating an existing topic succeeds and leaves it unchanged (upstream behaviour).
     * A partition count of 0 means 1.
     */
    public Topic create(String name, TopicSettings requested) {
        TopicNames.validate(name);
        TopicSettings s = validate(name, requested);
        changeLock.lock();
        try {
            Topic existing = topics.get(name);
            if (existing != null) {
                return existing;
            }
            TopicMetadataStore.Entry entry = new TopicMetadataStore.Entry(s, System.currentTimeMillis());
            Map<String, TopicMetadataStore.Entry> next = new LinkedHashMap<>(entries);
            next.put(name, entry);
            metadata.save(next);
            entries.put(name, entry);
            Topic t = openLogs(name, entry);
            topics.put(name, t);
            return t;
        } finally {
            changeLock.unlock();
        }
    }

    /**
     * The settings {@code name} would have after {@code changes} (ALTER_TOPIC), checked as a create checks them;
     * nothing changes. A cluster's metadata leader asks before it replicates a change, so that every node can apply it.
     *
     * @throws RequestException when the topic does not exist, a key is unknown or a value out of range
     */
    public TopicSettings altered(String name, Map<String, Long> changes) {
        Topic t = topic(name);
        if (changes.isEmpty()) {
            throw new RequestException("no setting to change for topic " + name + ": give one of "
                    + flymq.protocol.message.AlterTopicRequest.SETTINGS);
        }
        return validate(name, t.settings().with(changes));
    }

    /**
     * Changes settings of an existing topic: {@code topics.json} first, then its partition logs take the new log
     * settings (they govern the next roll and retention pass; segments already rolled stay as they are) and new
     * records take its new TTL.
     *
     * @return the topic with its new settings
     * @throws RequestException as {@link #altered}
     */
    public Topic alter(String name, Map<String, Long> changes) {
        changeLock.lock();
        try {
            TopicSettings s = altered(name, changes);
            Topic t = topics.get(name);
            TopicMetadataStore.Entry entry = new TopicMetadataStore.Entry(s, t.createdMs());
            Map<String, TopicMetadataStore.Entry> next = new LinkedHashMap<>(entries);
            next.put(name, entry);
            metadata.save(next);
            entries.put(name, entry);
            LogConfig config = logConfig(s);
            for (int p = 0; p < t.partitionCount(); p++) {
                store.getOrCreate(name, p, config);
            }
            Topic changed = t.withSettings(s);
            topics.put(name, changed);
            return changed;
        } finally {
            changeLock.unlock();
        }
    }

    /**
     * Grows a topic to {@code partitions} partitions: new, empty partition logs are added after the existing ones,
     * whose records stay where they are. {@code topics.json} is written first, so a crash in between leaves the
     * topic with the new count and its missing logs are created at start-up. Asking for the current count changes
     * nothing; a smaller count is refused (a partition's records cannot be moved or dropped by this), as Kafka
     * refuses it. Keyed records produced from now on go to FNV-1a(key) mod the new count, so a key's new records may
     * go to another partition than its old ones.
     *
     * @return whether the topic grew
     * @throws RequestException for an unknown topic, a smaller count or one above {@link #MAX_PARTITIONS}
     */
    public boolean growPartitions(String name, int partitions) {
        changeLock.lock();
        try {
            Topic existing = topic(name);
            checkGrowth(name, existing.partitionCount(), partitions);
            if (partitions == existing.partitionCount()) {
                return false;
            }
            TopicMetadataStore.Entry old = entries.get(name);
            TopicMetadataStore.Entry entry = new TopicMetadataStore.Entry(old.settings().withPartitions(partitions),
                    old.createdMs());
            Map<String, TopicMetadataStore.Entry> next = new LinkedHashMap<>(entries);
            next.put(name, entry);
            metadata.save(next);
            entries.put(name, entry);
            topics.put(name, openLogs(name, entry)); // the existing logs are open already: the same objects
            LOG.log(System.Logger.Level.INFO, "topic " + name + " grew from " + existing.partitionCount() + " to "
                    + partitions + " partitions");
            return true;
        } finally {
            changeLock.unlock();
        }
    }

    /**
     * Refuses a partition count a topic of {@code current} partitions cannot grow to, with the facts: the cluster's
     * metadata leader checks with this before it replicates a growth, each node's {@link #growPartitions} again.
     */
    public static void checkGrowth(String name, int current, int partitions) {
        if (partitions < current) {
            throw new RequestException("topic " + name + " has " + current + " partitions; partitions can be added "
                    + "but not removed (asked for " + partitions + ")");
        }
        if (partitions > MAX_PARTITIONS) {
            throw new RequestException("invalid partition count " + partitions + " for topic " + name
                    + ": expected " + current + ".." + MAX_PARTITIONS);
        }
    }

    private TopicSettings validate(String name, TopicSettings s) {
        int partitions = s.partitions() == 0 ? 1 : s.partitions();
        if (partitions < 0 || partitions > MAX_PARTITIONS) {
            throw new RequestException("invalid partition count " + s.partitions() + " for topic " + name
                    + ": expected 1.." + MAX_PARTITIONS + " (0 means 1)");
        }
        int rf = s.replicationFactor() == -1 ? 1 : s.replicationFactor();
        if (rf < 1) {
            throw new RequestException("invalid replication factor " + s.replicationFactor() + " for topic " + name
                    + ": expected >= 1 (-1 means 1)");
        }
        if (rf > maxReplicationFactor) {
            throw new RequestException("replication factor " + rf + " for topic " + name + " exceeds the "
                    + maxReplicationFactor + " available node(s)");
        }
        if (s.segmentBytes() != TopicSettings.DEFAULT
                && (s.segmentBytes() < LogConfig.MIN_SEGMENT_BYTES || s.segmentBytes() > LogConfig.MAX_SEGMENT_BYTES)) {
            throw new RequestException("invalid segment_bytes " + s.segmentBytes() + " for topic " + name
                    + ": expected " + LogConfig.MIN_SEGMENT_BYTES + ".." + LogConfig.MAX_SEGMENT_BYTES + " or -1");
        }
        checkOptional(name, "retention_ms", s.retentionMs(), 0);
        checkOptional(name, "retention_bytes", s.retentionBytes(), 0);
        checkOptional(name, "segment_ms", s.segmentMs(), 1);
        checkOptional(name, "ttl_ms", s.ttlMs(), 0);
        return new TopicSettings(partitions, rf, s.retentionMs(), s.retentionBytes(), s.segmentBytes(),
                s.segmentMs(), s.ttlMs());
    }

    private static void checkOptional(String topic, String field, long v, long min) {
        if (v != TopicSettings.DEFAULT && v < min) {
            throw new RequestException("invalid " + field + " " + v + " for topic " + topic + ": expected >= "
                    + min + " or -1 for the broker default");
        }
    }

    /** Deletes a topic and its logs; deleting a missing topic succeeds. @return whether it existed */
    public boolean delete(String name) {
        changeLock.lock();
        try {
            if (!topics.containsKey(name)) {
                return false;
            }
            Map<String, TopicMetadataStore.Entry> next = new LinkedHashMap<>(entries);
            next.remove(name);
            metadata.save(next);
            entries.remove(name);
            topics.remove(name);
            store.deleteTopic(name);
        } finally {
            changeLock.unlock();
        }
        listener.topicDeleted(name);
        return true;
    }

    /** Names sorted ascending, internal ({@code __}-prefixed) ones included. */
    public List<String> names() {
        return new ArrayList<>(new TreeSet<>(topics.keySet()));
    }

    public Collection<Topic> all() {
        return List.copyOf(topics.values());
    }

    @Override
    public SortedMap<String, Integer> partitionCounts() {
        SortedMap<String, Integer> counts = new TreeMap<>();
        for (Topic t : topics.values()) {
            counts.put(t.name(), t.partitionCount());
        }
        return counts;
    }

    @Override
    public int partitionCount(String name) {
        return topic(name).partitionCount();
    }

    /** The effective log settings of a topic (broker defaults merged with its overrides). */
    public LogConfig effectiveConfig(Topic t) {
        return logConfig(t.settings());
    }
}
