package flymq.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Decodes the primitives of wire spec section 2 from a payload held in a byte array: {@code u8/bool}, {@code i16},
 * {@code i32/u32}, {@code i64/u64} (big-endian), {@code str8} (u8 length + bytes), {@code str16} (u16 length +
 * UTF-8), {@code bytes32} (u32 length + bytes) and list counts ({@code u32}).
 *
 * <p>Every read checks the remaining bytes first and throws {@link MalformedPayloadException} with the field name,
 * the position and the numbers that disagree, so a truncated field or an overrunning inner length is answered with
 * an ERROR frame instead of an exception escaping. Not thread-safe; reusable via {@link #reset}.
 */
public final class PayloadReader {
    private byte[] buf;
    private int pos;
    private int limit;

    public PayloadReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public PayloadReader(byte[] buf, int offset, int length) {
        reset(buf, offset, length);
    }

    public PayloadReader reset(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buf.length) {
            throw new IllegalArgumentException("window " + offset + "+" + length + " outside array of " + buf.length);
        }
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
        return this;
    }

    /** Index in {@link #array()} of the next byte to read. */
    public int position() {
        return pos;
    }

    /**
     * The array this reader reads (not a copy): lets a message type keep a window of it, e.g. the encoded records
     * of a BATCH_PRODUCE group, without copying them. Valid only as long as the caller owns the array.
     */
    public byte[] array() {
        return buf;
    }

    /** Skips {@code n} bytes of field {@code field}, checking they are there. */
    public void skip(int n, String field) {
        if (n < 0) {
            throw new MalformedPayloadException("invalid binary format: " + field + " declares " + n + " bytes");
        }
        need(n, field);
        pos += n;
    }

    public int remaining() {
        return limit - pos;
    }

    public boolean hasRemaining() {
        return pos < limit;
    }

    private void need(int n, String field) {
        if (n > limit - pos) {
            throw tooSmall(n, field);
        }
    }

    /**
     * Checks the {@code n} bytes of a length or count prefix of {@code field}; its name ({@code field + suffix}) is
     * built only for the error, so reading a record's fields makes no garbage.
     */
    private void needPrefix(int n, String field, String suffix) {
        if (n > limit - pos) {
            throw tooSmall(n, field + suffix);
        }
    }

    private MalformedPayloadException tooSmall(int n, String field) {
        return new MalformedPayloadException("buffer too small: " + field + " needs " + n + " bytes, "
                + (limit - pos) + " left");
    }

    public int u8(String field) {
        need(1, field);
        return buf[pos++] & 0xFF;
    }

    public boolean bool(String field) {
        return u8(field) == 1;
    }

    public int u16(String field) {
        need(2, field);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public int i32(String field) {
        need(4, field);
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    /** An unsigned 32-bit value as a non-negative long. */
    public long u32(String field) {
        return i32(field) & 0xFFFF_FFFFL;
    }

    public long i64(String field) {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    /** A u64 on the wire, returned as Java's signed long (values above 2^63-1 come back negative). */
    public long u64(String field) {
        return i64(field);
    }

    public String str8(String field) {
        needPrefix(1, field, " length");
        int len = buf[pos++] & 0xFF;
        return utf8(len, field);
    }

    public String str16(String field) {
        needPrefix(2, field, " length");
        int len = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return utf8(len, field);
    }

    /** A u32 prefix of {@code field} (a length or a count). */
    private long prefix32(String field, String suffix) {
        needPrefix(4, field, suffix);
        long v = (((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF)) & 0xFFFF_FFFFL;
        pos += 4;
        return v;
    }

    private String utf8(int len, String field) {
        if (len > limit - pos) {
            throw new MalformedPayloadException("invalid binary format: " + field + " declares " + len
                    + " bytes, " + (limit - pos) + " left");
        }
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** A {@code bytes32} field copied into a new array (an empty array when its length is 0). */
    public byte[] bytes32(String field) {
        long len = prefix32(field, " length");
        if (len > limit - pos) {
            throw new MalformedPayloadException("invalid binary format: " + field + " declares " + len
                    + " bytes, " + (limit - pos) + " left");
        }
        byte[] out = new byte[(int) len];
        System.arraycopy(buf, pos, out, 0, out.length);
        pos += out.length;
        return out;
    }

    /**
     * A {@code u32} element count, checked against the bytes left: each element needs at least
     * {@code minElementBytes}, so a huge count in a small payload is rejected before anything is allocated.
     */
    public int count(String field, int minElementBytes) {
        long n = prefix32(field, " count");
        long needed = n * Math.max(1, minElementBytes);
        if (needed > limit - pos) {
            throw new MalformedPayloadException("invalid binary format: " + field + " count " + n + " needs at least "
                    + needed + " bytes, " + (limit - pos) + " left");
        }
        return (int) n;
    }
}
