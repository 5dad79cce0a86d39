package flymq.storage;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * All partition logs under {@code <dataDir>/logs/<topic>-<partition>/}; recovers them on open; runs background flush
 * (SyncPolicy.INTERVAL) and retention. Thread-safe.
 */
public final class LogStore implements AutoCloseable {

    private LogStore() {}

    public static LogStore open(Path dataDir, LogConfig defaults, StorageListener listener) {
        throw new UnsupportedOperationException("LogStore implementation lands with the segmented log");
    }

    public PartitionLog getOrCreate(String topic, int partition, LogConfig config) {
        throw new UnsupportedOperationException();
    }

    public Optional<PartitionLog> get(String topic, int partition) {
        throw new UnsupportedOperationException();
    }

    public Set<TopicPartition> partitions() {
        throw new UnsupportedOperationException();
    }

    /** Closes and removes all of its partitions' files. */
    public void deleteTopic(String topic) {
        throw new UnsupportedOperationException();
    }

    /** Flushes and closes every log. */
    @Override
    public void close() {
        throw new UnsupportedOperationException();
    }
}
