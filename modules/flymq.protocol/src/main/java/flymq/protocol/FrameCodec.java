package flymq.protocol;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The frame format of the FlyMQ 1.26 protocol (wire spec 1.2-1.4). Every request and every response is
 *
 * <pre>
 *   offset 0  u8   magic   0xAF
 *   offset 1  u8   version 0x01
 *   offset 2  u8   opcode  (see {@link Opcodes})
 *   offset 3  u8   flags   bit0 0x01 "binary" marker (informational), bit1 0x02 payload is one gzip member
 *   offset 4  u32  length  payload bytes that follow, big-endian, at most 32 MiB (33 554 432) inclusive
 *   offset 8  payload
 * </pre>
 *
 * The length is checked against {@link #MAX_PAYLOAD} before anything is allocated for the payload. Bad magic, bad
 * version or an oversize length raise {@link FrameException} ({@link FrameTooLargeException} for the length): the
 * peer's stream cannot be resynchronised, so the connection must be closed. Responses are never compressed and carry flags {@code 0x01}.
 */
public final class FrameCodec {
    public static final byte MAGIC = (byte) 0xAF;
    public static final byte VERSION = 0x01;
    public static final int HEADER_SIZE = 8;
    public static final int MAX_PAYLOAD = 33_554_432;
    public static final int FLAG_BINARY = 0x01;
    public static final int FLAG_GZIP = 0x02;

    private FrameCodec() {
    }

    /**
     * Reads one header.
     *
     * @return the header, or {@code null} when the stream ended cleanly before the first header byte
     * @throws EOFException   when the stream ends inside the header
     * @throws FrameException on bad magic, bad version or a length above {@link #MAX_PAYLOAD}
     */
    public static FrameHeader readHeader(InputStream in) throws IOException {
        return readHeader(in, new byte[HEADER_SIZE]);
    }

    /** {@link #readHeader(InputStream)} reading into a caller-owned scratch array of at least 8 bytes. */
    public static FrameHeader readHeader(InputStream in, byte[] scratch) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        byte[] rest = scratch;
        readFully(in, rest, 0, HEADER_SIZE - 1);
        return decodeHeader((byte) first, rest[0], rest[1], rest[2],
                ((rest[3] & 0xFF) << 24) | ((rest[4] & 0xFF) << 16) | ((rest[5] & 0xFF) << 8) | (rest[6] & 0xFF));
    }

    /** Decodes a header from 8 bytes at {@code offset} of {@code buf}; same checks as {@link #readHeader}. */
    public static FrameHeader decodeHeader(byte[] buf, int offset) throws FrameException {
        return decodeHeader(buf[offset], buf[offset + 1], buf[offset + 2], buf[offset + 3],
                ((buf[offset + 4] & 0xFF) << 24) | ((buf[offset + 5] & 0xFF) << 16)
                        | ((buf[offset + 6] & 0xFF) << 8) | (buf[offset + 7] & 0xFF));
    }

    private static FrameHeader decodeHeader(byte magic, byte version, byte opcode, byte flags, int length)
            throws FrameException {
        if (magic != MAGIC) {
            throw new FrameException(String.format("bad magic byte: expected 0xAF, found 0x%02X", magic & 0xFF));
        }
        if (version != VERSION) {
            throw new FrameException(String.format("unsupported protocol version: expected 1, found %d", version & 0xFF));
        }
        long unsignedLength = length & 0xFFFF_FFFFL;
        if (unsignedLength > MAX_PAYLOAD) {
            throw new FrameTooLargeException(unsignedLength);
        }
        return new FrameHeader(opcode & 0xFF, flags & 0xFF, (int) unsignedLength);
    }

    /** Writes the 8 header bytes into {@code dst} at {@code offset}. */
    public static void encodeHeader(byte[] dst, int offset, int opcode, int flags, int length) {
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload length " + length + " outside 0.." + MAX_PAYLOAD);
        }
        dst[offset] = MAGIC;
        dst[offset + 1] = VERSION;
        dst[offset + 2] = (byte) opcode;
        dst[offset + 3] = (byte) flags;
        dst[offset + 4] = (byte) (length >>> 24);
        dst[offset + 5] = (byte) (length >>> 16);
        dst[offset + 6] = (byte) (length >>> 8);
        dst[offset + 7] = (byte) length;
    }

    /** Writes a whole frame (header then payload); does not flush. */
    public static void writeFrame(OutputStream out, int opcode, int flags, byte[] payload, int offset, int length)
            throws IOException {
        byte[] header = new byte[HEADER_SIZE];
        encodeHeader(header, 0, opcode, flags, length);
        out.write(header);
        out.write(payload, offset, length);
    }

    /**
     * Most bytes asked of the stream in one read. A socket stream copies each read through a temporary direct
     * buffer as large as the read asked for, and keeps it cached for the thread: an unbounded read of a 5 MiB
     * payload pins 5 MiB of native memory per connection thread (128 KiB is the JDK's own socket-impl cap).
     */
    public static final int MAX_READ = 128 * 1024;

    /** Reads exactly {@code length} bytes or throws {@link EOFException}; at most {@link #MAX_READ} per read. */
    public static void readFully(InputStream in, byte[] dst, int offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(dst, offset + done, Math.min(MAX_READ, length - done));
            if (n < 0) {
                throw new EOFException("stream ended after " + done + " of " + length + " bytes");
            }
            done += n;
        }
    }

    /**
     * Gunzips a payload sent with {@link #FLAG_GZIP}. The output is capped at {@link #MAX_PAYLOAD} so that a small
     * compressed frame cannot make the broker allocate without bound.
     *
     * @throws MalformedPayloadException when the bytes are not gzip or inflate beyond the cap
     */
    public static byte[] gunzip(byte[] src, int offset, int length) {
        try (GZIPInputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(src, offset, length))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, length * 4));
            byte[] chunk = new byte[8192];
            int n;
            while ((n = gz.read(chunk)) > 0) {
                if (out.size() + n > MAX_PAYLOAD) {
                    throw new MalformedPayloadException("gzip payload inflates beyond " + MAX_PAYLOAD + " bytes");
                }
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new MalformedPayloadException("invalid gzip payload: " + e.getMessage());
        }
    }

    /** Gzips a payload (client side of {@link #FLAG_GZIP}). */
    public static byte[] gzip(byte[] src, int offset, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, length / 2));
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(src, offset, length);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
