package flymq.broker.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The read-ahead under JSSE: same bytes in the same order, fewer reads of the socket, no buffer while idle. */
class TlsRecordInputTest {

    /** A socket stand-in that has {@code bytes} waiting and counts the reads it serves. */
    private static final class Socketish extends InputStream {
        final byte[] bytes;
        int pos;
        final List<Integer> reads = new ArrayList<>();

        Socketish(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            throw new AssertionError("single-byte read");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == bytes.length) {
                return -1;
            }
            int n = Math.min(len, bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            reads.add(n);
            return n;
        }

        @Override
        public int available() {
            return bytes.length - pos;
        }
    }

    @Test
    void jsseStyleReadsGetTheSameBytesFromFewerSocketReads() throws IOException {
        byte[] wire = new byte[200_000];
        new Random(5).nextBytes(wire);
        Socketish socket = new Socketish(wire);
        TlsRecordInput in = new TlsRecordInput(socket);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int jsseReads = 0;
        while (true) {
            // a record: 5-byte header, then a body of up to 16 KiB + overhead
            byte[] header = new byte[5];
            int n = in.read(header, 0, 5);
            if (n < 0) {
                break;
            }
            got.write(header, 0, n);
            byte[] body = new byte[16_401];
            int m = in.read(body, 0, body.length);
            if (m > 0) {
                got.write(body, 0, m);
            }
            jsseReads += 2;
        }
        assertArrayEquals(wire, got.toByteArray());
        assertEquals(7, socket.reads.size(), "32 KiB per socket read: " + socket.reads);
        assertEquals(true, jsseReads > 20);
    }

    @Test
    void largeReadsAndReadsOfAnIdleSocketGoStraightThrough() throws IOException {
        byte[] wire = new byte[100_000];
        Arrays.fill(wire, (byte) 7);
        Socketish socket = new Socketish(wire);
        TlsRecordInput in = new TlsRecordInput(socket);
        byte[] big = new byte[64 * 1024];
        assertEquals(big.length, in.read(big, 0, big.length));
        assertEquals(List.of(big.length), socket.reads);

        // only 5 bytes waiting: read as asked, nothing buffered (this is where an idle connection blocks)
        Socketish idle = new Socketish(new byte[] {1, 2, 3, 4, 5});
        TlsRecordInput quiet = new TlsRecordInput(idle);
        byte[] header = new byte[5];
        assertEquals(5, quiet.read(header, 0, 5));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, header);
        assertEquals(0, quiet.available());
        assertEquals(-1, quiet.read(header, 0, 5));
    }

    @Test
    void availableCountsBufferedBytes() throws IOException {
        Socketish socket = new Socketish(new byte[1000]);
        TlsRecordInput in = new TlsRecordInput(socket);
        assertEquals(5, in.read(new byte[5], 0, 5));
        assertEquals(995, in.available());
        assertEquals(1, socket.reads.size());
        assertEquals(0, socket.available(), "all of it was read ahead in one read");
    }
}
