package flymq.broker.observe;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reading {@code traceparent} headers out of stored record bytes (StoredRecordLayout's layout) for BATCH_FETCH links. */
class StoredTraceparentsTest {
    static final String TP1 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final String TP2 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    /** One record as the log stores it (CRC left 0: the scanner does not check it). */
    static byte[] record(long offset, byte[] key, byte[] value, Map<String, String> headers) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        d.writeInt(0);          // crc32c
        d.writeByte(0);         // attributes
        d.writeLong(offset);
        d.writeLong(1_700_000_000_000L);
        d.writeInt(key == null ? -1 : key.length);
        if (key != null) {
            d.write(key);
        }
        d.writeInt(value.length);
        d.write(value);
        d.writeShort(headers.size());
        for (Map.Entry<String, String> h : headers.entrySet()) {
            byte[] name = h.getKey().getBytes(StandardCharsets.UTF_8);
            d.writeShort(name.length);
            d.write(name);
            byte[] v = h.getValue().getBytes(StandardCharsets.US_ASCII);
            d.writeInt(v.length);
            d.write(v);
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        new DataOutputStream(whole).writeInt(body.size());
        body.writeTo(whole);
        return whole.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void findsTheTraceparentOfEachRecordAmongOtherHeaders() throws IOException {
        byte[] bytes = concat(
                record(0, "k".getBytes(), "v1".getBytes(), Map.of("traceparent", TP1)),
                record(1, null, "v2".getBytes(), Map.of()),
                record(2, null, new byte[0], Map.of("tracestate", "x=1")),
                record(3, "key".getBytes(), "v4".getBytes(), Map.of("traceparent", TP2)));
        assertEquals(List.of(TP1, TP2), StoredTraceparents.scan(bytes, 0, bytes.length));
    }

    @Test
    void truncatedOrGarbledBytesStopTheScanWithoutThrowing() throws IOException {
        byte[] good = record(0, null, "v".getBytes(), Map.of("traceparent", TP1));
        byte[] next = record(1, null, "w".getBytes(), Map.of("traceparent", TP2));
        byte[] bytes = concat(good, next);
        for (int cut = 0; cut < bytes.length; cut++) {
            List<String> found = StoredTraceparents.scan(bytes, 0, cut);
            assertEquals(cut >= good.length ? List.of(TP1) : List.of(), found, "cut at " + cut);
        }
        byte[] garbled = bytes.clone();
        Arrays.fill(garbled, good.length + 4 + 4 + 1 + 16, good.length + 4 + 4 + 1 + 16 + 4, (byte) 0x7F); // key length
        assertEquals(List.of(TP1), StoredTraceparents.scan(garbled, 0, garbled.length));
    }
}
