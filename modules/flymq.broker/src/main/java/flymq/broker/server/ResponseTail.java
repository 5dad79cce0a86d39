package flymq.broker.server;

import flymq.protocol.PayloadWriter;
import flymq.storage.LogSlice;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Stored record bytes that end a response frame: the frame is the response payload followed by these slices, in
 * the order added, and its header's length counts both. A connection sends them with
 * {@link LogSlice#transferTo} straight into its socket channel (sendfile on Linux), so the record bytes never enter
 * the Java heap; {@link #copyInto} is the fallback for a caller that can only take a payload buffer.
 *
 * <p>Two process-wide counters tell the two paths apart (all brokers in the JVM add to them): bytes sent from files
 * and bytes copied into a heap buffer. Not thread-safe; one per connection, emptied after each response.
 */
public final class ResponseTail {
    private static final LongAdder SENT_FROM_FILES = new LongAdder();
    private static final LongAdder COPIED_TO_HEAP = new LongAdder();

    private final List<LogSlice> slices = new ArrayList<>();
    private long bytes;

    /** Appends a slice after the payload (and after the slices added before it). */
    public void add(LogSlice slice) {
        if (slice.sizeInBytes() > 0) {
            slices.add(slice);
            bytes += slice.sizeInBytes();
        }
    }

    /** Bytes the slices add to the frame. */
    public long bytes() {
        return bytes;
    }

    public boolean isEmpty() {
        return slices.isEmpty();
    }

    void clear() {
        slices.clear();
        bytes = 0;
    }

    /** Sends every slice to {@code target} in order (the zero-copy path). */
    void transferTo(WritableByteChannel target) throws IOException {
        for (LogSlice s : slices) {
            long sent = s.transferTo(target);
            SENT_FROM_FILES.add(sent);
            if (sent != s.sizeInBytes()) {
                throw new IOException("slice at offset " + s.firstOffset() + " announced " + s.sizeInBytes()
                        + " bytes, sent " + sent);
            }
        }
    }

    /**
     * Sends every slice through {@code buffer} to {@code out}, a stream that needs the bytes in the heap (TLS), in
     * writes of the whole buffer; {@code buffer[0, filled)} holds what goes first (the response head). Returns how
     * many bytes of the buffer are left to send. Counted as copied, not as sent from files.
     */
    int copyThrough(byte[] buffer, int filled, OutputStream out) throws IOException {
        int fill = filled;
        for (LogSlice s : slices) {
            fill = s.copyThrough(buffer, fill, out);
            COPIED_TO_HEAP.add(s.sizeInBytes());
        }
        return fill;
    }

    /** Appends every slice's bytes to {@code out} (one copy through a 64 KiB chunk) and empties the tail. */
    public void copyInto(PayloadWriter out) throws IOException {
        PayloadWriterChannel channel = new PayloadWriterChannel(out);
        for (LogSlice s : slices) {
            long before = channel.written;
            s.transferTo(channel);
            if (channel.written - before != s.sizeInBytes()) {
                throw new IOException("slice at offset " + s.firstOffset() + " announced " + s.sizeInBytes()
                        + " bytes, copied " + (channel.written - before));
            }
        }
        COPIED_TO_HEAP.add(channel.written);
        clear();
    }

    /** Record bytes sent from files by every connection of this JVM so far. */
    public static long bytesSentFromFiles() {
        return SENT_FROM_FILES.sum();
    }

    /** Record bytes copied into response buffers by {@link #copyInto} in this JVM so far. */
    public static long bytesCopiedToHeap() {
        return COPIED_TO_HEAP.sum();
    }

    /** Lets {@link LogSlice#transferTo} append into a response buffer. */
    private static final class PayloadWriterChannel implements WritableByteChannel {
        private final PayloadWriter out;
        private final byte[] chunk = new byte[64 * 1024];
        long written;

        PayloadWriterChannel(PayloadWriter out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            if (src.hasArray()) {
                out.raw(src.array(), src.arrayOffset() + src.position(), n);
                src.position(src.limit());
            } else {
                while (src.hasRemaining()) {
                    int k = Math.min(chunk.length, src.remaining());
                    src.get(chunk, 0, k);
                    out.raw(chunk, 0, k);
                }
            }
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
