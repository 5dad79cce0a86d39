package flymq.broker.observe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds {@code traceparent} headers in stored record bytes without decoding keys or values. The layout is the one
 * {@code flymq.storage.record.RecordCodec} owns (big-endian): {@code int32 length · int32 crc32c · int8 attributes ·
 * int64 offset · int64 timestamp · int32 keyLength (-1 none) · key · int32 valueLength · value · int16 headerCount ·
 * headerCount × (int16 nameLength · name · int32 valueLength · value)}.
 */
final class StoredTraceparents {
    private static final byte[] NAME = RequestTracing.TRACEPARENT.getBytes(StandardCharsets.US_ASCII);

    private StoredTraceparents() {
    }

    /** Every traceparent value, in record order; stops at the first record whose lengths do not add up. */
    static List<String> scan(byte[] buf, int from, int to) {
        List<String> out = new ArrayList<>();
        int pos = from;
        while (pos + 4 <= to) {
            int len = i32(buf, pos);
            int end = pos + 4 + len;
            if (len < 26 || end > to || end < pos) {
                break;
            }
            int p = pos + 4 + 4 + 1 + 8 + 8;
            int keyLen = i32(buf, p);
            p += 4;
            if (keyLen < -1 || keyLen > end - p - 4) {
                break;
            }
            p += Math.max(0, keyLen);
            int valueLen = i32(buf, p);
            p += 4;
            if (valueLen < 0 || valueLen > end - p - 2) {
                break;
            }
            p += valueLen;
            int headers = u16(buf, p);
            p += 2;
            for (int h = 0; h < headers && p + 2 <= end; h++) {
                int nameLen = u16(buf, p);
                p += 2;
                if (nameLen > end - p - 4) {
                    break;
                }
                boolean isTraceparent = nameLen == NAME.length
                        && java.util.Arrays.equals(buf, p, p + nameLen, NAME, 0, NAME.length);
                p += nameLen;
                int vLen = i32(buf, p);
                p += 4;
                if (vLen < 0 || vLen > end - p) {
                    break;
                }
                if (isTraceparent) {
                    out.add(new String(buf, p, vLen, StandardCharsets.ISO_8859_1));
                }
                p += vLen;
            }
            pos = end;
        }
        return out;
    }

    private static int i32(byte[] b, int p) {
        return ((b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }
}
