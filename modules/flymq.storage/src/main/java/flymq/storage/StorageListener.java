package flymq.storage;

/** Hooks for metrics; storage must not depend on telemetry. All methods default no-op and must not block. */
public interface StorageListener {

    StorageListener NONE = new StorageListener() {};

    /** Bytes of encoded records written to a partition's .log by one append. */
    default void bytesWritten(String topic, int partition, long bytes) {}

    /** Bytes of stored records served by a read (or handed out as a slice). */
    default void bytesRead(String topic, int partition, long bytes) {}

    /** One fsync of a .log file took this long. */
    default void fsyncCompleted(long nanos) {}

    /** The number of segments of a partition changed (roll, retention, open). */
    default void segmentCountChanged(String topic, int partition, int segments) {}

    /** A write under the data directory failed; {@code kind} is a {@link StorageFaults.Kind#label()}. */
    default void storageFailed(String kind) {}
}
