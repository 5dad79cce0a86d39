package flymq.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * A small file replaced atomically (write temp, fsync, rename, fsync dir): topic metadata, recovery checkpoints.
 *
 * <p>Readers see either the whole old content or the whole new content, never a mix, even across a crash: the new
 * bytes go to {@code <name>.tmp}, which is fsynced, renamed over {@code <name>} and then the directory is fsynced so
 * the rename itself is durable. A leftover {@code .tmp} from a crash is ignored and overwritten by the next write.
 * The content is opaque to this class; callers that need to detect bit rot add their own checksum.
 */
public final class AtomicFile {

    private final Path path;
    private final Path temp;

    public AtomicFile(Path path) {
        this.path = Objects.requireNonNull(path, "path").toAbsolutePath();
        this.temp = this.path.resolveSibling(this.path.getFileName() + ".tmp");
    }

    public Path path() {
        return path;
    }

    /** The current content, or empty if the file was never written (or was deleted). */
    public Optional<byte[]> read() {
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("cannot read " + path + ": " + e, e);
        }
    }

    /** Replaces the content; durable when it returns. */
    public void write(byte[] content) {
        Objects.requireNonNull(content, "content");
        try {
            FileModes.createDirectories(path.getParent());
            try (FileChannel ch = FileModes.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new StorageException("file system of " + path + " cannot rename atomically", e);
            }
            fsyncDirectory(path.getParent());
        } catch (IOException e) {
            throw new StorageException("cannot write " + path + " (via " + temp + "): " + e, e);
        }
    }

    /** Deletes the file (and a leftover temp file); absent files are fine. */
    public void delete() {
        try {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + path + ": " + e, e);
        }
    }

    /** Makes renames and creations inside {@code dir} durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open or sync a directory; the rename is then as durable as they allow.
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }
}
