package flymq.broker.observe;

import flymq.protocol.record.StoredRecordLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds {@code traceparent} headers in stored record bytes without decoding keys or values, walking the records'
 * header sections in the layout {@link StoredRecordLayout} defines.
 */
final class StoredTraceparents {
    private static final byte[] NAME = RequestTracing.TRACEPARENT.getBytes(StandardCharsets.US_ASCII);

    private StoredTraceparents() {
    }

    /** Every traceparent value, in record order; stops at the first record whose lengths do not add up. */
    static List<String> scan(byte[] buf, int from, int to) {
        List<String> out = new ArrayList<>();
        StoredRecordLayout.forEachHeader(ByteBuffer.wrap(buf), from, to, (b, name, nameLength, value, valueLength) -> {
            if (nameLength == NAME.length && Arrays.equals(buf, name, name + nameLength, NAME, 0, NAME.length)) {
                out.add(new String(buf, value, valueLength, StandardCharsets.ISO_8859_1));
            }
        });
        return out;
    }
}
