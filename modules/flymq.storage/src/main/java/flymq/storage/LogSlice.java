package flymq.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
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

    /**
     * Copies the slice, in order, through {@code buffer} to {@code out}, for a target that needs the bytes in the heap
     * (a TLS stream): {@code buffer[0, filled)} already holds bytes to send first; the slice's bytes are appended
     * and {@code out} gets the whole buffer each time it is full, so every write is {@code buffer.length} bytes.
     * Returns how many bytes of the buffer are filled and not yet written (the caller sends them with what follows).
     * File slices read straight into {@code buffer} (one positional read per buffer instead of
     * {@code transferTo}'s 8 KiB chunks through a direct buffer and a second heap copy).
     *
     * @throws IOException if {@code out} fails or the segment was deleted by retention meanwhile
     */
    default int copyThrough(byte[] buffer, int filled, OutputStream out) throws IOException {
        int[] fill = {filled};
        long copied = transferTo(new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                int n = src.remaining();
                while (src.hasRemaining()) {
                    int k = Math.min(buffer.length - fill[0], src.remaining());
                    src.get(buffer, fill[0], k);
                    fill[0] += k;
                    if (fill[0] == buffer.length) {
                        out.write(buffer, 0, buffer.length);
                        fill[0] = 0;
                    }
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        });
        if (copied != sizeInBytes()) {
            throw new IOException("slice at offset " + firstOffset() + " announced " + sizeInBytes()
                    + " bytes, copied " + copied);
        }
        return fill[0];
    }
}
