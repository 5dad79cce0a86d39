package flymq.storage.segment;

import flymq.storage.LogSlice;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A run of whole records in one segment's .log, sent with {@link FileChannel#transferTo} (sendfile on Linux) so the
 * bytes never enter the Java heap.
 */
public record FileLogSlice(FileChannel channel, Path file, long position, long sizeInBytes, long firstOffset,
                           long nextOffset) implements LogSlice {

    /** An empty slice at {@code offset} (the log end). */
    public static LogSlice empty(long offset) {
        return new FileLogSlice(null, null, 0, 0, offset, offset);
    }

    @Override
    public int recordCount() {
        return Math.toIntExact(nextOffset - firstOffset);
    }

    @Override
    public int copyThrough(byte[] buffer, int filled, OutputStream out) throws IOException {
        ByteBuffer into = ByteBuffer.wrap(buffer);
        int fill = filled;
        long done = 0;
        while (done < sizeInBytes) {
            int want = (int) Math.min(buffer.length - fill, sizeInBytes - done);
            into.limit(fill + want).position(fill);
            int n = channel.read(into, position + done);
            if (n < 0) {
                throw new IOException("slice of " + file + " [" + position + ", " + (position + sizeInBytes)
                        + ") no longer exists: the file is " + channel.size() + " bytes");
            }
            fill += n;
            done += n;
            if (fill == buffer.length) {
                out.write(buffer, 0, fill);
                fill = 0;
            }
        }
        return fill;
    }

    @Override
    public long transferTo(WritableByteChannel target) throws IOException {
        long done = 0;
        int idle = 0;
        while (done < sizeInBytes) {
            long n = channel.transferTo(position + done, sizeInBytes - done, target);
            if (n > 0) {
                done += n;
                idle = 0;
            } else if (channel.size() < position + sizeInBytes) {
                throw new IOException("slice of " + file + " [" + position + ", " + (position + sizeInBytes)
                        + ") no longer exists: the file is " + channel.size() + " bytes");
            } else if (++idle > 1000) {
                throw new IOException("target accepts no bytes (a non-blocking channel that stays full?) after "
                        + done + " of " + sizeInBytes + " bytes from " + file);
            } else {
                Thread.onSpinWait();
            }
        }
        return done;
    }
}
