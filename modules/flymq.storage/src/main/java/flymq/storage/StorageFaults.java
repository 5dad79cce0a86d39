package flymq.storage;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether writes to the data directory currently fail, and why. A full or read-only disk makes every append, flush
 * and housekeeping pass fail, many times a second: logging each would flood the log, so this logs one WARN when
 * writes start failing (naming the cause and the first failure), counts the failures in between (and tells the
 * {@link StorageListener}, for a metric), and logs one INFO when a write succeeds again, with the count and how
 * long it lasted. A change of cause while failing (full, then read-only) is a state change too and logs again.
 *
 * <p>{@link #succeeded} is on every append's path: it reads one volatile field unless writes were failing.
 * Thread-safe.
 */
public final class StorageFaults {

    /** What the failures have in common, as far as the exceptions tell. */
    public enum Kind {
        NO_SPACE("no space left on device"),
        READ_ONLY("read-only file system or no permission"),
        MISSING_FILE("a file of the data directory is missing"),
        IO_ERROR("I/O error");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /** Lower-case name, e.g. {@code no_space}: the metric label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final StorageListener listener;
    private final System.Logger log;
    private final AtomicLong failures = new AtomicLong();
    private volatile Kind failing;
    private long failingSinceNanos;

    public StorageFaults(StorageListener listener) {
        this(listener, System.getLogger(StorageFaults.class.getName()));
    }

    StorageFaults(StorageListener listener, System.Logger log) {
        this.listener = listener;
        this.log = log;
    }

    /** A write, flush or delete under the data directory failed with {@code cause}; {@code what} names it. */
    public void failed(String what, Throwable cause) {
        Kind kind = classify(cause);
        failures.incrementAndGet();
        listener.storageFailed(kind.label());
        synchronized (this) {
            if (failing == kind) {
                return;
            }
            if (failing == null) {
                failingSinceNanos = System.nanoTime();
            }
            failing = kind;
        }
        log.log(System.Logger.Level.WARNING, "storage: writes are failing (" + kind + "): " + what + ": "
                + cause.getMessage() + "; producers get an error until it clears, further failures are counted"
                + " (flymq_storage_errors_total), not logged");
    }

    /** A write under the data directory succeeded: clears a failing state. */
    public void succeeded() {
        if (failing == null) {
            return;
        }
        long count;
        long ms;
        synchronized (this) {
            if (failing == null) {
                return;
            }
            failing = null;
            count = failures.getAndSet(0);
            ms = (System.nanoTime() - failingSinceNanos) / 1_000_000;
        }
        log.log(System.Logger.Level.INFO, "storage: writes succeed again after " + count + " failed operation(s)"
                + " over " + ms + " ms");
    }

    /** The cause writes currently fail with, or empty when the last write succeeded. */
    public Optional<Kind> failing() {
        return Optional.ofNullable(failing);
    }

    /** Walks the cause chain for the first exception that says what is wrong with the disk. */
    public static Kind classify(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ReadOnlyFileSystemException || c instanceof AccessDeniedException) {
                return Kind.READ_ONLY;
            }
            if (c instanceof NoSuchFileException) {
                return Kind.MISSING_FILE;
            }
            String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
            if (c instanceof FileSystemException fs && fs.getReason() != null) {
                m = fs.getReason().toLowerCase(Locale.ROOT);
            }
            if (m.contains("no space left") || m.contains("disk quota exceeded")) {
                return Kind.NO_SPACE;
            }
            if (m.contains("read-only file system") || m.contains("permission denied")) {
                return Kind.READ_ONLY;
            }
            if (m.contains("no such file")) {
                return Kind.MISSING_FILE;
            }
        }
        return Kind.IO_ERROR;
    }
}
