package flymq.storage.segment;

import flymq.storage.LogSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Records in the heap rather than in a file: what a slice of an encrypted log becomes once its values are
 * decrypted ({@link LogSegment#decrypt}). Same bytes format as {@link FileLogSlice} (whole stored records, plain
 * values), sent with ordinary writes instead of sendfile.
 */
public record HeapLogSlice(ByteBuffer bytes, long firstOffset, long nextOffset) implements LogSlice {

    @Override
    public int recordCount() {
        return Math.toIntExact(nextOffset - firstOffset);
    }

    @Override
    public long sizeInBytes() {
        return bytes.remaining();
    }

    @Override
    public long transferTo(WritableByteChannel target) throws IOException {
        ByteBuffer view = bytes.duplicate();
        long done = 0;
        int idle = 0;
        while (view.hasRemaining()) {
            int n = target.write(view);
            if (n > 0) {
                done += n;
                idle = 0;
            } else if (++idle > 1000) {
                throw new IOException("target accepts no bytes (a non-blocking channel that stays full?) after "
                        + done + " of " + bytes.remaining() + " bytes");
            } else {
                Thread.onSpinWait();
            }
        }
        return done;
    }
}
