package flymq.storage;

import flymq.storage.log.SegmentedLog;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * All partition logs under {@code <logsDir>/<topic>-<partition>/}; recovers them on open; runs background flush
 * (SyncPolicy.INTERVAL) and retention. Thread-safe.
 *
 * <p>One daemon thread does the background work: for each INTERVAL log a flush {@code syncIntervalMs} after the
 * first append since its last flush (the append signals the store, {@link SegmentedLog#signalUnsyncedWith}: an idle
 * log costs nothing, where a periodic flusher per log polled 3,000 idle logs 200 times a second), the fsync of each
 * segment sealed under INTERVAL or OS right after its roll, and every housekeeping interval (1 s by default) a
 * retention pass and a recovery-checkpoint update for each log. Logs found on disk are opened with the store's
 * default config until {@link #getOrCreate} supplies theirs (which then replaces it).
 *
 * <p>Topic names are used as directory names, so they must match {@code [A-Za-z0-9._-]{1,249}} (and not be "." or
 * ".."); partitions are >= 0. A deleted topic's directories are first renamed to {@code <name>.<nanos>-delete} (one
 * atomic step), then removed; leftovers of a crash in between are removed on the next open.
 *
 * <p>Opened with an {@link EncryptionKey}, every log seals the values it appends (AES-256-GCM,
 * {@link ValueCipher}); the key's id is kept in {@link EncryptionKeyIdFile}, checked before any log is recovered, so
 * a wrong or missing key stops the open with a clear {@link EncryptionException}. Directories and files are created
 * owner-only ({@link FileModes}).
 */
public final class LogStore implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LogStore.class.getName());
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Pattern PARTITION_DIR = Pattern.compile("(.+)-(\\d{1,9})");
    private static final Duration DEFAULT_HOUSEKEEPING = Duration.ofSeconds(1);
    /**
     * The longest wait before a failed background flush is tried again. Each failure in a row doubles the wait from
     * the sync interval: a disk that stays broken costs each log one fsync attempt (and at most one error line) a
     * second instead of one per sync interval, 200 a second at the default.
     */
    static final long MAX_FLUSH_RETRY_MS = 1_000;

    private final Path logsDir;
    private final LogConfig defaults;
    private final StorageListener listener;
    private final StorageFaults faults;
    private final LongSupplier clock;
    private final Map<TopicPartition, SegmentedLog> logs = new ConcurrentHashMap<>();
    /** Background flushes that failed in a row, per log with any (see {@link #MAX_FLUSH_RETRY_MS}). */
    private final Map<SegmentedLog, Integer> flushFailures = new ConcurrentHashMap<>();
    private final ScheduledExecutorService background;
    /** Null when records are stored in the clear. */
    private final ValueCipher cipher;
    private volatile boolean closed;

    private LogStore(Path logsDir, LogConfig defaults, StorageListener listener, LongSupplier clock,
                     EncryptionKey key) {
        this.logsDir = logsDir;
        this.cipher = key == null ? null : new ValueCipher(key);
        this.clock = clock;
        this.defaults = defaults;
        this.listener = listener;
        this.faults = new StorageFaults(listener);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "flymq-storage " + logsDir);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.background = executor;
    }

    /** Opens the store with a 1 s housekeeping (retention and checkpoint) interval. */
    public static LogStore open(Path logsDir, LogConfig defaults, StorageListener listener) {
        return open(logsDir, defaults, listener, DEFAULT_HOUSEKEEPING);
    }

    /** Opens the store with a 1 s housekeeping interval, encrypting record values with {@code key} (null: off). */
    public static LogStore open(Path logsDir, LogConfig defaults, StorageListener listener, EncryptionKey key) {
        return open(logsDir, defaults, listener, DEFAULT_HOUSEKEEPING, System::currentTimeMillis, key);
    }

    /**
     * Opens the store, recovering every partition log found under {@code logsDir} (one directory per partition;
     * the broker's data directory layout decides where {@code logsDir} is).
     *
     * @param housekeepingInterval how often retention runs and recovery checkpoints are written
     */
    public static LogStore open(Path logsDir, LogConfig defaults, StorageListener listener,
                                Duration housekeepingInterval) {
        return open(logsDir, defaults, listener, housekeepingInterval, System::currentTimeMillis, null);
    }

    /**
     * As {@link #open(Path, LogConfig, StorageListener, Duration)} with the wall clock (Unix ms) that segment rolls
     * and retention (record age, record expiry) read: a test can move it instead of waiting.
     */
    public static LogStore open(Path logsDir, LogConfig defaults, StorageListener listener,
                                Duration housekeepingInterval, LongSupplier clock) {
        return open(logsDir, defaults, listener, housekeepingInterval, clock, null);
    }

    /**
     * As {@link #open(Path, LogConfig, StorageListener, Duration, LongSupplier)}, encrypting record values at rest
     * with {@code key} (null: stored in the clear).
     *
     * @throws EncryptionException when the logs were encrypted with another key, or are encrypted and key is null
     */
    public static LogStore open(Path logsDir, LogConfig defaults, StorageListener listener,
                                Duration housekeepingInterval, LongSupplier clock, EncryptionKey key) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(logsDir, "logsDir");
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(listener, "listener");
        if (housekeepingInterval.isNegative() || housekeepingInterval.isZero()) {
            throw new IllegalArgumentException("housekeepingInterval must be > 0, got " + housekeepingInterval);
        }
        LogStore store = new LogStore(logsDir.toAbsolutePath(), defaults, listener, clock, key);
        try {
            store.recoverAll();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        long ms = housekeepingInterval.toMillis();
        store.background.scheduleWithFixedDelay(store::housekeeping, ms, ms, TimeUnit.MILLISECONDS);
        return store;
    }

    private void recoverAll() {
        try {
            FileModes.createDirectories(logsDir);
            EncryptionKeyIdFile.check(logsDir, cipher == null ? null : cipher.key());
            List<Path> dirs = new ArrayList<>();
            try (var list = Files.list(logsDir)) {
                list.filter(Files::isDirectory).forEach(dirs::add);
            }
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                Matcher m = PARTITION_DIR.matcher(name);
                if (name.endsWith("-delete")) {
                    deleteRecursively(dir);
                } else if (m.matches() && TOPIC.matcher(m.group(1)).matches()) {
                    TopicPartition tp = new TopicPartition(m.group(1), Integer.parseInt(m.group(2)));
                    SegmentedLog log = SegmentedLog.open(dir, tp.topic(), tp.partition(), defaults, listener,
                            clock, cipher);
                    log.syncSealedSegmentsWith(background);
                    log.reportFaultsTo(faults);
                    logs.put(tp, log);
                    scheduleFlusher(tp, log);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "ignoring {0}: not a <topic>-<partition> directory", dir);
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot open log store " + logsDir + ": " + e, e);
        }
    }

    /** The log of the partition, created empty if absent; an existing log takes {@code config} from now on. */
    public synchronized PartitionLog getOrCreate(String topic, int partition, LogConfig config) {
        Objects.requireNonNull(config, "config");
        ensureOpen();
        validate(topic, partition);
        TopicPartition tp = new TopicPartition(topic, partition);
        SegmentedLog log = logs.get(tp);
        if (log == null) {
            log = SegmentedLog.open(logsDir.resolve(tp.toString()), topic, partition, config, listener,
                    clock, cipher);
            log.syncSealedSegmentsWith(background);
            log.reportFaultsTo(faults);
            logs.put(tp, log);
            scheduleFlusher(tp, log);
        } else if (!log.config().equals(config)) {
            log.reconfigure(config);
            scheduleFlusher(tp, log);
        }
        return log;
    }

    public Optional<PartitionLog> get(String topic, int partition) {
        return Optional.ofNullable(logs.get(new TopicPartition(topic, partition)));
    }

    public Set<TopicPartition> partitions() {
        return Set.copyOf(logs.keySet());
    }

    /** Closes and removes all of its partitions' files; a topic with no logs is fine. */
    public synchronized void deleteTopic(String topic) {
        ensureOpen();
        for (TopicPartition tp : List.copyOf(logs.keySet())) {
            if (!tp.topic().equals(topic)) {
                continue;
            }
            SegmentedLog log = logs.remove(tp);
            log.signalUnsyncedWith(null);
            log.abandon();
            Path dir = log.directory();
            Path doomed = dir.resolveSibling(dir.getFileName() + "." + System.nanoTime() + "-delete");
            try {
                Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
                AtomicFile.fsyncDirectory(logsDir);
                deleteRecursively(doomed);
            } catch (IOException e) {
                throw new StorageException("cannot delete " + dir + " of topic " + topic + ": " + e, e);
            }
        }
    }

    /** Runs one retention and checkpoint pass over every log now (the background thread does it periodically). */
    public void runHousekeeping() {
        ensureOpen();
        housekeeping();
    }

    private void housekeeping() {
        boolean wrote = false;
        for (Map.Entry<TopicPartition, SegmentedLog> e : logs.entrySet()) {
            SegmentedLog log = e.getValue();
            try {
                log.enforceRetention();
                log.syncSealedSegments();
                log.checkpoint();
                wrote = true;
            } catch (StorageException ex) {
                if (!log.isClosed()) {
                    faults.failed("housekeeping of " + e.getKey(), ex);
                }
            } catch (RuntimeException ex) {
                if (!log.isClosed()) {
                    LOG.log(System.Logger.Level.ERROR, "housekeeping of " + e.getKey() + " failed", ex);
                }
            }
        }
        if (wrote) {
            faults.succeeded();
        }
    }

    /** Whether writes to this store's directory currently fail, and why. */
    public StorageFaults faults() {
        return faults;
    }

    private void scheduleFlusher(TopicPartition tp, SegmentedLog log) {
        if (log.config().syncPolicy() != SyncPolicy.INTERVAL) {
            log.signalUnsyncedWith(null);
            return;
        }
        log.signalUnsyncedWith(() -> flushLater(tp, log));
        if (log.flushedOffset() < log.endOffset()) {
            flushLater(tp, log); // appended before the signal was set (a recovered tail, another policy until now)
        }
    }

    /**
     * One background flush of {@code log} its sync interval from now (INTERVAL); retried while it fails, each retry
     * after twice the wait of the one before, up to {@link #MAX_FLUSH_RETRY_MS} (an append meanwhile waits as long).
     */
    private void flushLater(TopicPartition tp, SegmentedLog log) {
        long delayMs = flushDelayMs(log.config().syncIntervalMs(), flushFailures.getOrDefault(log, 0));
        try {
            background.schedule(() -> flushNow(tp, log), delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the store is closing: close() flushes every log
        }
    }

    /** The wait before a background flush after {@code failures} failed ones in a row. */
    static long flushDelayMs(long syncIntervalMs, int failures) {
        if (failures == 0) {
            return syncIntervalMs;
        }
        long base = Math.max(1, syncIntervalMs);
        return base >= MAX_FLUSH_RETRY_MS ? base : Math.min(MAX_FLUSH_RETRY_MS, base << Math.min(failures, 20));
    }

    private void flushNow(TopicPartition tp, SegmentedLog log) {
        if (log.isClosed() || logs.get(tp) != log) {
            flushFailures.remove(log);
            return;
        }
        log.rearmUnsyncedSignal(); // before the flush: an append from now on schedules the next one
        try {
            if (log.flushedOffset() < log.endOffset()) {
                log.flush();
            }
            flushFailures.remove(log);
        } catch (StorageException ex) {
            if (!log.isClosed()) {
                faults.failed("background flush of " + tp, ex);
                flushFailures.merge(log, 1, Integer::sum);
                flushLater(tp, log);
            } else {
                flushFailures.remove(log); // closed meanwhile: no retry will remove its count
            }
        } catch (RuntimeException ex) {
            if (!log.isClosed()) {
                LOG.log(System.Logger.Level.ERROR, "background flush of " + tp + " failed", ex);
                flushFailures.merge(log, 1, Integer::sum);
                flushLater(tp, log);
            } else {
                flushFailures.remove(log);
            }
        }
    }

    /** Flushes and closes every log. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        background.shutdown(); // not shutdownNow: an interrupt would close the FileChannel being synced
        try {
            background.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StorageException failure = null;
        for (SegmentedLog log : logs.values()) {
            try {
                log.close();
            } catch (StorageException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("log store " + logsDir + " is closed");
        }
    }

    private static void validate(String topic, int partition) {
        Objects.requireNonNull(topic, "topic");
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("invalid topic name '" + topic
                    + "': use 1 to 249 of the characters A-Z a-z 0-9 . _ - (and not '.' or '..')");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition of topic '" + topic + "' must be >= 0, got " + partition);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        }
    }
}
