package flymq.broker.node;

import flymq.broker.DataDirLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on the data directory's lock file ({@link DataDirLayout#lockFile()}), held while a node
 * runs, so that a second broker (in this or another process) cannot open the same logs and corrupt them. The OS drops the lock when the process dies, so a
 * node killed with SIGKILL does not block its restart. The file's content is unused.
 */
final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirLock acquire(DataDirLayout layout) {
        Path file = layout.lockFile();
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open lock file " + file.toAbsolutePath(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException | IOException e) {
            lock = null;
        }
        if (lock == null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing with the clearer message below
            }
            throw new UncheckedIOException(new IOException("data directory " + layout.root().toAbsolutePath()
                    + " is in use by another broker (lock " + file.getFileName() + " is held)"));
        }
        return new DataDirLock(channel, lock);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
