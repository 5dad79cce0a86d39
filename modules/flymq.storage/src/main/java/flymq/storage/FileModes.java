package flymq.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates data files readable by their owner only (0600) and directories only their owner can enter (0700), so
 * messages, offsets and keys' ids are not world-readable whatever the process umask. The mode is given at creation
 * (no window in which the file is open to others); on a file system without POSIX modes the files are created as
 * the platform does. Files that already exist keep their mode: the broker restricts the data directory itself
 * instead, which covers everything under it.
 */
public final class FileModes {

    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<?>[] NONE = new FileAttribute<?>[0];

    private FileModes() {}

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** {@link FileChannel#open(Path, OpenOption...)}, creating the file with mode 0600. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, Set.of(options),
                posix(file) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : NONE);
    }

    /** {@link Files#createDirectories}, creating missing directories with mode 0700. */
    public static Path createDirectories(Path dir) throws IOException {
        return Files.createDirectories(dir,
                posix(dir) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIRECTORY)} : NONE);
    }
}
