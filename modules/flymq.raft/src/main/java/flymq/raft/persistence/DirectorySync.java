package flymq.raft.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fsync of a directory shared by the threads that ask for it at the same time (group commit): many new Raft stores
 * are created at once in one parent directory when topics are created, and each needs its directory's name durable
 * before its first flush returns. A caller waits for an fsync that began after it asked (one already running may have
 * missed its change); all callers that asked while one ran are served by the next one. A directory that cannot be
 * opened or synced is logged and skipped, as in {@link FileRaftStore}: some platforms cannot sync a directory, and
 * what was created there is then as durable as they allow.
 */
final class DirectorySync {
    private static final System.Logger LOG = System.getLogger(DirectorySync.class.getName());
    private static final ConcurrentHashMap<Path, DirectorySync> DIRS = new ConcurrentHashMap<>();

    private final Path dir;
    /** Requests so far; requests up to {@code covered} are served by a completed fsync; whether one runs. */
    private long requested;
    private long covered;
    private boolean running;

    private DirectorySync(Path dir) {
        this.dir = dir;
    }

    /** Returns once an fsync of {@code dir} that began after this call has completed. */
    static void sync(Path dir) {
        DIRS.computeIfAbsent(dir, DirectorySync::new).syncShared();
    }

    private void syncShared() {
        long upTo;
        synchronized (this) {
            long ticket = ++requested;
            while (running) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    // a Raft thread is not interrupted in normal operation; sync alone rather than give up
                    Thread.currentThread().interrupt();
                    force();
                    return;
                }
            }
            if (covered >= ticket) {
                return; // an fsync that began after this request has completed
            }
            running = true;
            upTo = requested;
        }
        try {
            force();
        } finally {
            synchronized (this) {
                covered = upTo;
                running = false;
                notifyAll();
            }
        }
    }

    private void force() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot fsync directory " + dir + ": " + e.getMessage());
        }
    }
}
