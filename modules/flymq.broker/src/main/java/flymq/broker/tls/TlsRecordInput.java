package flymq.broker.tls;

import java.io.IOException;
import java.io.InputStream;

/**
 * The encrypted side of a server TLS connection, read in large pieces. JSSE reads each TLS record from its socket
 * with two exact reads (the 5-byte header, then the body), so a busy producer's 64 KiB batch costs eight read system
 * calls; through this stream one read takes in whatever the kernel holds, up to {@value #BUFFER_BYTES} bytes (two or
 * more full records), and JSSE's small reads are served from it.
 *
 * <p>Memory: the buffer is made when a read finds the kernel holding more than the caller asked for and is dropped
 * again whenever it is emptied after a read that did not fill it (the kernel had nothing more: the burst is over);
 * without it, reads go straight to the socket, so an idle connection, blocked in a read, holds none. {@link #available()} counts buffered bytes, so the connection's read spin sees
 * them. Used by one thread (the connection's).
 */
final class TlsRecordInput extends InputStream {
    static final int BUFFER_BYTES = 32 * 1024;

    private final InputStream in;
    private byte[] buf;
    private int pos;
    private int limit;
    /** Whether the last fill took fewer bytes than the buffer holds: the kernel was drained. */
    private boolean lastFillShort;

    TlsRecordInput(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos == limit) {
            // idle (nothing more waiting: this read may block for minutes) or large: no buffer held or needed
            if (len >= BUFFER_BYTES || (buf == null && in.available() <= len)) {
                return in.read(b, off, len);
            }
            if (buf == null) {
                buf = new byte[BUFFER_BYTES];
            }
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                buf = null;
                return n;
            }
            pos = 0;
            limit = n;
            lastFillShort = n < buf.length;
        }
        int k = Math.min(len, limit - pos);
        System.arraycopy(buf, pos, b, off, k);
        pos += k;
        if (pos == limit && lastFillShort) {
            buf = null;
            pos = 0;
            limit = 0;
        }
        return k;
    }

    @Override
    public int available() throws IOException {
        int buffered = limit - pos;
        return buffered > 0 ? buffered : in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
