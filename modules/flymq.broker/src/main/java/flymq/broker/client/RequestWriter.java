package flymq.broker.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Builds a request payload from the spec's primitives (section 2): big-endian integers, str8/str16, bytes32, list. */
final class RequestWriter {
    private byte[] buf;
    private int pos;

    RequestWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    byte[] array() {
        return buf;
    }

    int length() {
        return pos;
    }

    void reset() {
        pos = 0;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            long wanted = Math.max((long) buf.length * 2, (long) pos + more);
            if (wanted > Connection.MAX_PAYLOAD) {
                if ((long) pos + more > Connection.MAX_PAYLOAD) {
                    throw new IllegalArgumentException("request payload of " + ((long) pos + more)
                            + " bytes exceeds the 32 MiB frame limit");
                }
                wanted = Connection.MAX_PAYLOAD;
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }

    RequestWriter u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    RequestWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    RequestWriter u16(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    RequestWriter i32(int v) {
        ensure(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    RequestWriter i64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
        return this;
    }

    /** Overwrites 4 bytes at an earlier position (counts known only after the elements are written). */
    void i32At(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    RequestWriter str16(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("string of " + b.length + " UTF-8 bytes exceeds the str16 limit of 65535: "
                    + s.substring(0, 40) + "...");
        }
        u16(b.length);
        return raw(b, 0, b.length);
    }

    RequestWriter str8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFF) {
            throw new IllegalArgumentException("string of " + b.length + " UTF-8 bytes exceeds the str8 limit of 255");
        }
        u8(b.length);
        return raw(b, 0, b.length);
    }

    RequestWriter bytes32(byte[] b) {
        if (b == null) {
            return i32(0);
        }
        i32(b.length);
        return raw(b, 0, b.length);
    }

    RequestWriter strList(List<String> items) {
        i32(items.size());
        for (String s : items) {
            str16(s);
        }
        return this;
    }

    RequestWriter raw(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
        return this;
    }
}
