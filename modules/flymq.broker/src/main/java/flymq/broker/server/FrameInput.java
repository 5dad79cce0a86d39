package flymq.broker.server;

import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.BooleanSupplier;

/**
 * Reads one connection's frames into as little heap as the traffic needs, so that an idle connection holds
 * {@value #OWN_BYTES} bytes and a busy one borrows from the server's {@link RequestMemory}.
 *
 * <p>The connection reads into its own small array while requests are small and come one at a time (a fetch, a
 * produce of a few records: one read each, as before). A frame that does not fit, or a read that fills the small
 * array (a burst of pipelined requests), moves the bytes into a buffer borrowed from {@link RequestMemory}, at
 * least {@value RequestMemory#CHUNK} bytes, so that a burst is still taken in with one read. A frame longer than the
 * buffer grows it only once the buffer is full, to at most eight times the bytes received: a header announcing
 * 32 MiB costs the bytes that actually arrived, and the budget, not the header, bounds what all connections hold.
 * When the connection has read everything and is about to block waiting for its next request, it gives the
 * borrowed buffer back ({@link #releaseIfEmpty}).
 *
 * <p>A frame's payload is handed to the handler in place ({@link #array()}, {@link #payloadOffset()}), without a
 * copy; it stays valid until {@link #consumeFrame}. Reads ask for at most {@link FrameCodec#MAX_READ} bytes. Not
 * thread-safe: one connection thread.
 */
final class FrameInput {
    static final int OWN_BYTES = 512;

    private final InputStream in;
    private final RequestMemory memory;
    private final BooleanSupplier closed;
    private final BeforeBlocking beforeBlocking;
    private final byte[] own = new byte[OWN_BYTES];
    private byte[] buf = own;
    private int pos;
    private int limit;
    private boolean lastReadFilledOwn;
    private int frameLength;

    /**
     * Called before a read or a wait for memory that may block, so that responses already computed go out first
     * (a client may wait for them before it sends the rest) and hold no buffer while the connection waits.
     */
    interface BeforeBlocking {
        void run() throws IOException;
    }

    /**
     * @param closed         true once the connection is closing (ends a wait for memory)
     * @param beforeBlocking flushes the connection's pending responses
     */
    FrameInput(InputStream in, RequestMemory memory, BooleanSupplier closed, BeforeBlocking beforeBlocking) {
        this.in = in;
        this.memory = memory;
        this.closed = closed;
        this.beforeBlocking = beforeBlocking;
    }

    /** Request bytes already read but not yet consumed (the flush-per-batch decision; no system call). */
    boolean hasBufferedBytes() {
        return limit > pos;
    }

    /** Whether this connection holds a buffer borrowed from the server now. */
    boolean holdsBorrowed() {
        return buf != own;
    }

    /**
     * Reads the next header, blocking as needed.
     *
     * @return the header, or null when the stream ended cleanly before its first byte
     * @throws EOFException when the stream ends inside the header
     * @throws flymq.protocol.FrameException on a header that cannot be trusted, or that announces too much
     */
    FrameHeader readHeader() throws IOException {
        if (!fill(FrameCodec.HEADER_SIZE, true)) {
            return null;
        }
        FrameHeader header = FrameCodec.decodeHeader(buf, pos);
        frameLength = FrameCodec.HEADER_SIZE + header.length();
        return header;
    }

    /** Reads the payload of the header just read; afterwards it is at {@link #payloadOffset()} of {@link #array()}. */
    void readPayload() throws IOException {
        fill(frameLength, false);
    }

    byte[] array() {
        return buf;
    }

    int payloadOffset() {
        return pos + FrameCodec.HEADER_SIZE;
    }

    /** The frame has been served: its bytes may be overwritten; a large buffer no longer needed goes back. */
    void consumeFrame() {
        pos += frameLength;
        frameLength = 0;
        if (pos == limit) {
            pos = 0;
            limit = 0;
        }
        if (buf != own && buf.length > RequestMemory.CHUNK) {
            // the next requests are likely small again: keep at most a chunk's worth borrowed
            releaseIfEmpty();
        }
    }

    /**
     * Gives the borrowed buffer back when what is left in it fits the connection's own array (called before the
     * connection blocks waiting for its next request, and after a large frame).
     */
    void releaseIfEmpty() {
        int buffered = limit - pos;
        if (buf == own || buffered > OWN_BYTES) {
            return;
        }
        System.arraycopy(buf, pos, own, 0, buffered);
        byte[] borrowed = buf;
        buf = own;
        pos = 0;
        limit = buffered;
        lastReadFilledOwn = false;
        memory.release(borrowed, this, false);
    }

    /** Gives back whatever is borrowed, buffered bytes or not (the connection is closing). */
    void close() {
        if (buf != own) {
            byte[] borrowed = buf;
            buf = own;
            pos = 0;
            limit = 0;
            memory.release(borrowed, this, false);
        }
    }

    /** Makes {@code n} bytes available from {@code pos}; false on a clean end of stream if {@code eofOk}. */
    private boolean fill(int n, boolean eofOk) throws IOException {
        boolean blockingAnnounced = false;
        while (limit - pos < n) {
            if (!blockingAnnounced) {
                blockingAnnounced = true;
                beforeBlocking.run();
            }
            if (buf == own && (n > OWN_BYTES || lastReadFilledOwn)) {
                moveTo(memory.acquire(Math.min(n, RequestMemory.CHUNK), this, false, closed));
            } else if (pos + n > buf.length) {
                if (pos > 0) {
                    compact();
                }
                if (n > buf.length && limit == buf.length) {
                    // full: grow in proportion to what has arrived, never to the announced length at once
                    long target = Math.min(n, Math.max((long) RequestMemory.CHUNK, 8L * (limit - pos)));
                    moveTo(memory.acquire((int) target, this, true, closed));
                }
            }
            int want = Math.min(FrameCodec.MAX_READ, buf.length - limit);
            int read = in.read(buf, limit, want);
            if (read < 0) {
                if (eofOk && limit == pos) {
                    return false;
                }
                throw new EOFException("stream ended after " + (limit - pos) + " of " + n + " bytes of a frame");
            }
            limit += read;
            lastReadFilledOwn = buf == own && read == want;
        }
        return true;
    }

    private void compact() {
        System.arraycopy(buf, pos, buf, 0, limit - pos);
        limit -= pos;
        pos = 0;
    }

    private void moveTo(byte[] bigger) {
        int buffered = limit - pos;
        System.arraycopy(buf, pos, bigger, 0, buffered);
        byte[] old = buf;
        buf = bigger;
        pos = 0;
        limit = buffered;
        lastReadFilledOwn = false;
        if (old != own) {
            memory.release(old, this, true);
        }
    }
}
