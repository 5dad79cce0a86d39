package flymq.broker.topic;

import flymq.protocol.KeyPartitioner;
import flymq.protocol.RequestException;
import flymq.storage.PartitionLog;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A live topic: its settings, one open log per partition and the round-robin counter for keyless records. */
public final class Topic {
    private final String name;
    private final TopicSettings settings;
    private final long createdMs;
    private final PartitionLog[] logs;
    private final AtomicLong roundRobin = new AtomicLong();

    Topic(String name, TopicSettings settings, long createdMs, PartitionLog[] logs) {
        this.name = name;
        this.settings = settings;
        this.createdMs = createdMs;
        this.logs = logs;
    }

    /** The same topic and logs with other settings (ALTER_TOPIC); records in flight are unaffected. */
    Topic withSettings(TopicSettings changed) {
        return new Topic(name, changed, createdMs, logs);
    }

    public String name() {
        return name;
    }

    public TopicSettings settings() {
        return settings;
    }

    public long createdMs() {
        return createdMs;
    }

    public int partitionCount() {
        return logs.length;
    }

    public List<PartitionLog> logs() {
        return List.of(logs);
    }

    /**
     * The log of {@code partition}.
     *
     * @throws RequestException for a negative partition or one the topic does not have
     */
    public PartitionLog log(int partition) {
        if (partition < 0) {
            throw new RequestException("invalid partition " + partition + " for topic " + name
                    + ": partitions are numbered from 0");
        }
        if (partition >= logs.length) {
            throw new RequestException("partition " + partition + " not found: topic " + name + " has "
                    + logs.length + " partition(s)");
        }
        return logs[partition];
    }

    /**
     * The partition a produced record goes to.
     *
     * @param explicit the request's partition field; {@code -1} lets the broker choose
     */
    public int choosePartition(byte[] key, int explicit) {
        if (explicit != -1) {
            log(explicit);
            return explicit;
        }
        int n = logs.length;
        if (n == 1) {
            return 0;
        }
        if (key != null && key.length > 0) {
            return KeyPartitioner.forKey(key, n);
        }
        return (int) Long.remainderUnsigned(roundRobin.getAndIncrement(), n);
    }
}
