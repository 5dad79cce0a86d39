package flymq.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Decodes the record bytes of a BATCH_FETCH answer. They are the partition log's stored bytes, sent as they lie in
 * the segment file so that the server can send them without decoding (format owned by
 * {@code flymq.storage.record.RecordCodec}):
 * <pre>
 *   int32 length (bytes after this field) · int32 crc32c (of the bytes after it) · int8 attributes (0) ·
 *   int64 offset · int64 timestamp · int32 keyLength (-1 = none) · key · int32 valueLength · value ·
 *   int16 headerCount · headerCount × (int16 nameLength · name · int32 valueLength · value)
 * </pre>
 * The CRC is checked here, so a record damaged on disk or on the way is reported instead of delivered.
 */
final class StoredRecordBytes {
    private StoredRecordBytes() {
    }

    static List<Message> decode(String topic, int partition, byte[] buf, int start, int length, int expectedCount) {
        List<Message> out = new ArrayList<>(expectedCount);
        CRC32C crc = new CRC32C();
        int pos = start;
        int end = start + length;
        while (pos < end) {
            need(buf, pos, 4, end, topic, partition, "record length");
            int len = i32(buf, pos);
            if (len < 26 || (long) pos + 4 + len > end) {
                throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": record at byte " + (pos - start)
                        + " declares length " + len + ", " + (end - pos - 4) + " bytes left");
            }
            int recEnd = pos + 4 + len;
            crc.reset();
            crc.update(buf, pos + 8, len - 4);
            if ((int) crc.getValue() != i32(buf, pos + 4)) {
                throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": CRC mismatch in record at "
                        + "offset " + i64(buf, pos + 9));
            }
            int p = pos + 9;
            long offset = i64(buf, p);
            long timestamp = i64(buf, p + 8);
            p += 16;
            int keyLen = i32(buf, p);
            p += 4;
            byte[] key = new byte[Math.max(0, keyLen)];
            if (keyLen > 0) {
                need(buf, p, keyLen, recEnd, topic, partition, "key");
                System.arraycopy(buf, p, key, 0, keyLen);
                p += keyLen;
            }
            need(buf, p, 4, recEnd, topic, partition, "value length");
            int valueLen = i32(buf, p);
            p += 4;
            need(buf, p, valueLen, recEnd, topic, partition, "value");
            byte[] value = new byte[valueLen];
            System.arraycopy(buf, p, value, 0, valueLen);
            p += valueLen;
            need(buf, p, 2, recEnd, topic, partition, "header count");
            int headerCount = ((buf[p] & 0xFF) << 8) | (buf[p + 1] & 0xFF);
            p += 2;
            List<Header> headers = headerCount == 0 ? List.of() : new ArrayList<>(headerCount);
            for (int i = 0; i < headerCount; i++) {
                need(buf, p, 2, recEnd, topic, partition, "header name length");
                int nameLen = ((buf[p] & 0xFF) << 8) | (buf[p + 1] & 0xFF);
                p += 2;
                need(buf, p, nameLen + 4, recEnd, topic, partition, "header name");
                String name = new String(buf, p, nameLen, StandardCharsets.UTF_8);
                p += nameLen;
                int hvLen = i32(buf, p);
                p += 4;
                need(buf, p, hvLen, recEnd, topic, partition, "header value");
                byte[] hv = new byte[hvLen];
                System.arraycopy(buf, p, hv, 0, hvLen);
                p += hvLen;
                headers.add(new Header(name, hv));
            }
            out.add(new Message(topic, partition, offset, timestamp, key, value, headers));
            pos = recEnd;
        }
        if (out.size() != expectedCount) {
            throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": answer announced "
                    + expectedCount + " records, its bytes hold " + out.size());
        }
        return out;
    }

    private static void need(byte[] buf, int pos, int n, int end, String topic, int partition, String field) {
        if (n < 0 || pos + n > end) {
            throw new ProtocolException("BATCH_FETCH " + topic + "-" + partition + ": " + field + " of " + n
                    + " bytes overruns its record");
        }
    }

    private static int i32(byte[] b, int p) {
        return ((b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
    }

    private static long i64(byte[] b, int p) {
        return ((long) i32(b, p) << 32) | (i32(b, p + 4) & 0xFFFF_FFFFL);
    }
}
