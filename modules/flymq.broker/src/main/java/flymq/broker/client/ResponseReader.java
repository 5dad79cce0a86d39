package flymq.broker.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a response payload; every overrun becomes a {@link ProtocolException} naming the response and field. */
final class ResponseReader {
    private final byte[] buf;
    private final String response;
    private int pos;

    ResponseReader(String response, byte[] buf) {
        this.response = response;
        this.buf = buf;
    }

    int remaining() {
        return buf.length - pos;
    }

    int position() {
        return pos;
    }

    private void need(int n, String field) {
        if (n < 0 || buf.length - pos < n) {
            throw new ProtocolException(response + " response truncated: " + field + " needs " + n + " bytes at offset "
                    + pos + ", payload has " + buf.length);
        }
    }

    int u8(String field) {
        need(1, field);
        return buf[pos++] & 0xFF;
    }

    boolean bool(String field) {
        return u8(field) == 1;
    }

    int u16(String field) {
        need(2, field);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    int i32(String field) {
        need(4, field);
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    long i64(String field) {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    /** A u32 element count, checked against what is left so a corrupt count cannot trigger a huge allocation. */
    int count(String field, int minElementSize) {
        long n = i32(field) & 0xFFFF_FFFFL;
        if (n * Math.max(1, minElementSize) > remaining()) {
            throw new ProtocolException(response + " response: " + field + " count " + n + " cannot fit in the "
                    + remaining() + " bytes left");
        }
        return (int) n;
    }

    String str16(String field) {
        int len = u16(field + " length");
        need(len, field);
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    String str8(String field) {
        int len = u8(field + " length");
        need(len, field);
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    byte[] bytes32(String field) {
        long len = i32(field + " length") & 0xFFFF_FFFFL;
        if (len > remaining()) {
            throw new ProtocolException(response + " response truncated: " + field + " of " + len
                    + " bytes at offset " + pos + ", only " + remaining() + " left");
        }
        byte[] b = new byte[(int) len];
        System.arraycopy(buf, pos, b, 0, (int) len);
        pos += (int) len;
        return b;
    }

    List<String> strList(String field) {
        int n = count(field, 2);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(str16(field));
        }
        return out;
    }
}
