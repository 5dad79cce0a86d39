package flymq.storage;

/** When appended bytes are forced to the disk (fsync). */
public enum SyncPolicy {
    /** {@link PartitionLog#append} returns only after the batch is fsynced (concurrent appenders share an fsync). */
    EVERY_BATCH,
    /** A background thread fsyncs every {@link LogConfig#syncIntervalMs()} when there is unsynced data. */
    INTERVAL,
    /** Never fsync on the write path; the OS writes back dirty pages. Logs are still fsynced on roll and close. */
    OS
}
