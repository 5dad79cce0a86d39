package flymq.broker.server;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A connection's response stream: responses to pipelined requests are gathered in a buffer borrowed from
 * {@link RequestMemory} and leave with one write per batch; a response with nothing before it and nothing after it
 * goes straight from the response writer to the socket (one write, no copy, nothing borrowed). The borrowed buffer
 * goes back at every {@link #flush}, so a connection that is not in the middle of a batch holds none. When the
 * budget has no chunk to spare, responses are written one by one instead of waiting. Not thread-safe.
 */
final class ResponseOutput extends OutputStream {
    private final OutputStream socket;
    private final RequestMemory memory;
    private final FrameInput input;
    private byte[] batch;
    private int count;
    private boolean more;

    ResponseOutput(OutputStream socket, RequestMemory memory, FrameInput input) {
        this.socket = socket;
        this.memory = memory;
        this.input = input;
    }

    /** Whether more responses follow before the next flush (a pipelined request is already buffered). */
    void expectMore(boolean more) {
        this.more = more;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (batch == null && more && len < RequestMemory.CHUNK) {
            batch = memory.tryAcquireChunk();
        }
        if (batch == null) {
            socket.write(b, off, len);
            return;
        }
        if (len > batch.length - count) {
            drain();
            if (len >= batch.length) {
                socket.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, batch, count, len);
        count += len;
    }

    /** Sends what is gathered and gives the borrowed buffer back. */
    @Override
    public void flush() throws IOException {
        try {
            drain();
        } finally {
            if (batch != null) {
                byte[] b = batch;
                batch = null;
                count = 0;
                memory.release(b, input, input.holdsBorrowed());
            }
        }
        socket.flush();
    }

    private void drain() throws IOException {
        if (count > 0) {
            int n = count;
            count = 0;
            socket.write(batch, 0, n);
        }
    }
}
