package flymq.storage.log;

import flymq.storage.AtomicFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * The recovery point of one partition log: file {@code recovery-point} in the partition directory. Every record
 * below this offset, and every index entry below it, was on disk (fsynced) when the file was written, so recovery
 * CRC-scans only what follows it.
 *
 * <h2>File format</h2>
 * 16 bytes, big-endian, replaced atomically through {@link AtomicFile}:
 * <pre>
 *   int32 version   1
 *   int64 offset    the recovery point
 *   int32 crc32c    CRC32C of the 12 bytes before it
 * </pre>
 * A missing, short or mismatching file reads as "no recovery point", and the whole log is scanned.
 */
final class RecoveryCheckpoint {

    static final String FILE_NAME = "recovery-point";
    private static final int VERSION = 1;

    private final AtomicFile file;

    RecoveryCheckpoint(Path dir) {
        this.file = new AtomicFile(dir.resolve(FILE_NAME));
    }

    OptionalLong read() {
        byte[] bytes = file.read().orElse(null);
        if (bytes == null || bytes.length != 16) {
            return OptionalLong.empty();
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 12);
        if (buf.getInt(0) != VERSION || buf.getInt(12) != (int) crc.getValue() || buf.getLong(4) < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(buf.getLong(4));
    }

    void write(long offset) {
        ByteBuffer buf = ByteBuffer.allocate(16).putInt(VERSION).putLong(offset);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, 12);
        buf.putInt((int) crc.getValue());
        file.write(buf.array());
    }

    void delete() {
        file.delete();
    }
}
