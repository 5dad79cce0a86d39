package flymq.storage;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * Stored record bytes ready to be sent with {@code FileChannel.transferTo}: no copy into the Java heap. The byte
 * format is the .log record format documented in {@code flymq.storage.record.RecordCodec} (a run of whole records).
 * A slice is not CRC-checked on the way out; the receiver may verify each record's CRC32C.
 */
public interface LogSlice {

    long firstOffset();

    /** Offset after the last record in the slice. */
    long nextOffset();

    int recordCount();

    long sizeInBytes();

    /**
     * Writes the whole slice to target (looping until done) and returns the bytes written.
     *
     * @throws IOException if the target fails or the segment was deleted by retention meanwhile
     */
    long transferTo(WritableByteChannel target) throws IOException;
}
