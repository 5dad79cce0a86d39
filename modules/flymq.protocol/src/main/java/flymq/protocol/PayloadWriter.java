package flymq.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;

/**
 * Encodes the primitives of wire spec section 2 into a growable buffer that keeps {@link FrameCodec#HEADER_SIZE}
 * bytes free at its front, so that a finished frame goes to the socket with one write and no copy.
 *
 * <p>Strings longer than the field allows and payloads above {@link FrameCodec#MAX_PAYLOAD} raise
 * {@link IllegalArgumentException} (callers size their output, e.g. FETCH stops adding records before the cap).
 * Not thread-safe; reuse with {@link #reset}.
 */
public final class PayloadWriter {
    private static final int RETAINED_CAPACITY = 1 << 20;
    private byte[] buf;
    private int pos;

    public PayloadWriter() {
        this(256);
    }

    public PayloadWriter(int initialPayloadCapacity) {
        buf = new byte[FrameCodec.HEADER_SIZE + Math.max(16, initialPayloadCapacity)];
        pos = FrameCodec.HEADER_SIZE;
    }

    /** Empties the payload; a buffer grown beyond 1 MiB by one large response is dropped rather than kept. */
    public PayloadWriter reset() {
        if (buf.length > RETAINED_CAPACITY) {
            buf = new byte[4096];
        }
        pos = FrameCodec.HEADER_SIZE;
        return this;
    }

    /** Overwrites 4 bytes at payload position {@code payloadPosition} (a count known only after the elements). */
    public PayloadWriter patchI32(int payloadPosition, int v) {
        int at = FrameCodec.HEADER_SIZE + payloadPosition;
        if (payloadPosition < 0 || at + 4 > pos) {
            throw new IllegalArgumentException("patch at " + payloadPosition + " outside payload of " + size());
        }
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
        return this;
    }

    /** Overwrites 8 bytes at payload position {@code payloadPosition}. */
    public PayloadWriter patchI64(int payloadPosition, long v) {
        patchI32(payloadPosition, (int) (v >>> 32));
        return patchI32(payloadPosition + 4, (int) v);
    }

    /** Bytes of payload written so far. */
    public int size() {
        return pos - FrameCodec.HEADER_SIZE;
    }

    private void ensure(int n) {
        long required = (long) pos + n;
        if (required - FrameCodec.HEADER_SIZE > FrameCodec.MAX_PAYLOAD) {
            throw new IllegalArgumentException("response payload would exceed " + FrameCodec.MAX_PAYLOAD + " bytes");
        }
        if (required > buf.length) {
            long grown = Math.max(required, (long) buf.length * 2);
            buf = Arrays.copyOf(buf, (int) Math.min(grown, FrameCodec.MAX_PAYLOAD + FrameCodec.HEADER_SIZE));
        }
    }

    public PayloadWriter u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    public PayloadWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    public PayloadWriter u16(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    public PayloadWriter i32(int v) {
        ensure(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    public PayloadWriter u32(long v) {
        return i32((int) v);
    }

    public PayloadWriter i64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
        return this;
    }

    public PayloadWriter u64(long v) {
        return i64(v);
    }

    public PayloadWriter str8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFF) {
            throw new IllegalArgumentException("str8 of " + b.length + " bytes exceeds 255");
        }
        u8(b.length);
        return raw(b, 0, b.length);
    }

    public PayloadWriter str16(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("str16 of " + b.length + " bytes exceeds 65535");
        }
        u16(b.length);
        return raw(b, 0, b.length);
    }

    /** {@code bytes32}; a null array is written as length 0. */
    public PayloadWriter bytes32(byte[] b) {
        if (b == null) {
            return i32(0);
        }
        i32(b.length);
        return raw(b, 0, b.length);
    }

    public PayloadWriter raw(byte[] b, int offset, int length) {
        ensure(length);
        System.arraycopy(b, offset, buf, pos, length);
        pos += length;
        return this;
    }

    /** {@code list<str16>}. */
    public PayloadWriter strList(Collection<String> items) {
        u32(items.size());
        for (String s : items) {
            str16(s);
        }
        return this;
    }

    /** Fills in the header and writes header plus payload to {@code out} with one call; does not flush. */
    public void writeFrame(OutputStream out, int opcode, int flags) throws IOException {
        FrameCodec.encodeHeader(buf, 0, opcode, flags, size());
        out.write(buf, 0, pos);
    }

    /** A copy of the payload bytes (tests and clients). */
    public byte[] toPayload() {
        return Arrays.copyOfRange(buf, FrameCodec.HEADER_SIZE, pos);
    }

    /** A copy of the whole frame, header included. */
    public byte[] toFrame(int opcode, int flags) {
        FrameCodec.encodeHeader(buf, 0, opcode, flags, size());
        return Arrays.copyOf(buf, pos);
    }
}
