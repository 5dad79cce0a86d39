package flymq.broker.node;

import flymq.broker.DataDirLayout;
import flymq.storage.FileModes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * An exclusive OS lock on the data directory's lock file ({@link DataDirLayout#lockFile()}), held while a node
 * runs, so that a second broker (in this or another process) cannot open the same logs and corrupt them. The OS drops the lock when the process dies, so a
 * node killed with SIGKILL does not block its restart. The file's content is unused.
 *
 * <p>Taking the lock also makes the data directory its owner's alone (mode 0700, an INFO line when it was more
 * open): messages, offsets, users and certificates' keys live under it, and files created before this version, or
 * copied in, may be more open than the 0600 the broker creates them with.
 */
final class DataDirLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DataDirLock.class.getName());

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates the data directory and its {@code groups} folder when missing, then takes the lock.
     *
     * @throws UncheckedIOException with one line naming the path and the cause: a file where the directory should be,
     *     no permission, or another broker holding the lock
     */
    static DataDirLock acquire(DataDirLayout layout) {
        Path dir = layout.root().toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UncheckedIOException(new IOException("data directory " + dir + " is a file, not a directory"));
        }
        try {
            FileModes.createDirectories(layout.groupsDir());
            restrict(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot create data directory " + dir + ": "
                    + reason(e), e));
        }
        Path file = layout.lockFile();
        FileChannel channel;
        try {
            channel = FileModes.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot write in data directory " + dir + " (lock file "
                    + file.getFileName() + "): " + reason(e), e));
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
            throw new UncheckedIOException(new IOException("data directory " + dir
                    + " is in use by another broker (lock " + file.getFileName() + " is held)"));
        }
        return new DataDirLock(channel, lock);
    }

    /** Takes group's and others' permissions off the data directory, when the file system has POSIX modes. */
    private static void restrict(Path dir) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
            Set<PosixFilePermission> ownerOnly = EnumSet.noneOf(PosixFilePermission.class);
            mode.stream().filter(p -> p.name().startsWith("OWNER")).forEach(ownerOnly::add);
            if (ownerOnly.equals(mode)) {
                return;
            }
            Files.setPosixFilePermissions(dir, ownerOnly);
            LOG.log(System.Logger.Level.INFO, "data directory " + dir + " restricted to its owner (mode "
                    + PosixFilePermissions.toString(ownerOnly) + ", was " + PosixFilePermissions.toString(mode) + ")");
        } catch (UnsupportedOperationException e) {
            // no POSIX modes on this file system: nothing to restrict
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "data directory " + dir + " can be entered by other users and its "
                    + "mode cannot be changed (" + reason(e) + "): restrict it to its owner (chmod 700)");
        }
    }

    /** What went wrong, in words: the JDK's file exceptions carry only the path as their message. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied" + (a.getFile() == null ? "" : " on " + a.getFile());
        }
        if (e instanceof FileAlreadyExistsException f) {
            return (f.getFile() == null ? "a path" : f.getFile()) + " exists and is not a directory";
        }
        if (e instanceof NotDirectoryException n) {
            return (n.getFile() == null ? "a path" : n.getFile()) + " is not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
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
