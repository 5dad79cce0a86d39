package flymq.storage.segment;

import flymq.storage.LogSlice;
import java.io.IOException;
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
