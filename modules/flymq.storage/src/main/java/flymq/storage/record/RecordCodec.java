package flymq.storage.record;

import flymq.storage.Header;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The record format of a segment's {@code .log} file, and of {@link flymq.storage.LogSlice} bytes.
 *
 * <p>A {@code .log} file is a run of records with no file header and no padding. An append encodes its whole batch
 * into one buffer and writes it with one write, so a batch's records are contiguous. Each record is self-contained
 * (it carries its absolute offset), so a reader or a slice can start at any record. All integers big-endian:
 * <pre>
 *   offset in record  field
 *    0  int32  length       bytes after this field (so the record occupies 4 + length bytes), >= 26
 *    4  int32  crc32c       CRC32C of the {@code length - 4} bytes from attributes to the end of the record
 *    8  int8   attributes   0 (bits reserved for compression; a reader rejects other values)
 *    9  int64  offset       absolute offset; in a batch, first offset + the record's delta, contiguous
 *   17  int64  timestamp    Unix milliseconds given by the producer
 *   25  int32  keyLength    -1 = no key (an empty key is stored as no key)
 *   29  bytes  key
 *       int32  valueLength  >= 0
 *       bytes  value
 *       int16  headerCount  >= 0
 *       per header: int16 nameLength, UTF-8 name, int32 valueLength, value bytes
 * </pre>
 * A record is valid when its length fits in the file, its CRC matches, its attributes are 0, the lengths inside it
 * add up to exactly {@code length}, and its offset is the one expected at that place. The per-record CRC means damage
 * costs only the damaged record and those after it, never a record before it.
 */
public final class RecordCodec {

    public static final int LENGTH_SIZE = 4;
    public static final int CRC_POS = 4;
    public static final int ATTRIBUTES_POS = 8;
    public static final int OFFSET_POS = 9;
    public static final int TIMESTAMP_POS = 17;
    public static final int KEY_LENGTH_POS = 25;
    /** Bytes of a record before its key: length, crc, attributes, offset, timestamp, keyLength. */
    public static final int HEADER_SIZE = 29;
    /** Smallest record: no key, empty value, no headers. */
    public static final int MIN_RECORD_SIZE = HEADER_SIZE + 4 + 2;
    /** Largest record this codec accepts (keeps positions and lengths in int range). */
    public static final int MAX_RECORD_SIZE = 1 << 30;

    private RecordCodec() {}

    /** Encoded size of a record (4 + length). */
    public static int sizeOf(Record record) {
        long size = MIN_RECORD_SIZE;
        byte[] key = record.key();
        if (key != null) {
            size += key.length;
        }
        size += record.value().length;
        List<Header> headers = record.headers();
        if (headers.size() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("a record has " + headers.size() + " headers, max " + Short.MAX_VALUE);
        }
        for (int i = 0, n = headers.size(); i < n; i++) {
            Header h = headers.get(i);
            int nameLength = utf8Length(h.key());
            if (nameLength > Short.MAX_VALUE) {
                throw new IllegalArgumentException("header name '" + h.key().substring(0, 40) + "...' is "
                        + nameLength + " UTF-8 bytes, max " + Short.MAX_VALUE);
            }
            size += 2 + nameLength + 4 + h.value().length;
        }
        if (size > MAX_RECORD_SIZE) {
            throw new IllegalArgumentException("a record encodes to " + size + " bytes, max " + MAX_RECORD_SIZE);
        }
        return (int) size;
    }

    /**
     * Writes one record at the buffer's position (which advances by {@link #sizeOf}); {@code crc} is scratch state.
     */
    public static void encode(Record record, long offset, ByteBuffer dst, CRC32C crc) {
        int start = dst.position();
        dst.putInt(0).putInt(0).put((byte) 0).putLong(offset).putLong(record.timestamp());
        byte[] key = record.key();
        if (key == null || key.length == 0) {
            dst.putInt(-1);
        } else {
            dst.putInt(key.length).put(key);
        }
        byte[] value = record.value();
        dst.putInt(value.length).put(value);
        List<Header> headers = record.headers();
        dst.putShort((short) headers.size());
        for (int i = 0, n = headers.size(); i < n; i++) {
            Header h = headers.get(i);
            byte[] name = h.key().getBytes(StandardCharsets.UTF_8);
            dst.putShort((short) name.length).put(name).putInt(h.value().length).put(h.value());
        }
        int end = dst.position();
        dst.putInt(start, end - start - LENGTH_SIZE);
        int limit = dst.limit();
        dst.limit(end).position(start + ATTRIBUTES_POS);
        crc.reset();
        crc.update(dst);
        dst.limit(limit).position(end);
        dst.putInt(start + CRC_POS, (int) crc.getValue());
    }

    /** The CRC32C a record's crc field must hold, computed over {@code buf[start + 8, start + 4 + length)}. */
    public static int computeCrc(ByteBuffer buf, int start, int length, CRC32C crc) {
        crc.reset();
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + start + ATTRIBUTES_POS, length - LENGTH_SIZE);
        } else {
            ByteBuffer view = buf.duplicate();
            view.limit(start + LENGTH_SIZE + length).position(start + ATTRIBUTES_POS);
            crc.update(view);
        }
        return (int) crc.getValue();
    }

    /**
     * Checks the record at {@code start} (whose 4 + length bytes must all be in {@code buf}) and returns null if it
     * is valid, else why not.
     */
    public static String validate(ByteBuffer buf, int start, CRC32C crc) {
        int length = buf.getInt(start);
        if (length < MIN_RECORD_SIZE - LENGTH_SIZE || length > MAX_RECORD_SIZE) {
            return "impossible record length " + length;
        }
        if (start + LENGTH_SIZE + length > buf.limit()) {
            return "record length " + length + " runs past the end of the data";
        }
        int stored = buf.getInt(start + CRC_POS);
        int computed = computeCrc(buf, start, length, crc);
        if (stored != computed) {
            return String.format("CRC32C mismatch: stored %08x, computed %08x", stored, computed);
        }
        if (buf.get(start + ATTRIBUTES_POS) != 0) {
            return "unknown attributes " + buf.get(start + ATTRIBUTES_POS);
        }
        int end = start + LENGTH_SIZE + length;
        int p = start + KEY_LENGTH_POS;
        int keyLength = buf.getInt(p);
        p += 4;
        if (keyLength < -1 || (long) p + Math.max(keyLength, 0) + 6 > end) {
            return "bad key length " + keyLength;
        }
        p += Math.max(keyLength, 0);
        int valueLength = buf.getInt(p);
        p += 4;
        if (valueLength < 0 || (long) p + valueLength + 2 > end) {
            return "bad value length " + valueLength;
        }
        p += valueLength;
        int headerCount = buf.getShort(p);
        p += 2;
        if (headerCount < 0) {
            return "bad header count " + headerCount;
        }
        for (int i = 0; i < headerCount; i++) {
            if (p + 2 > end) {
                return "header " + i + " runs past the record";
            }
            int nameLength = buf.getShort(p);
            p += 2;
            if (nameLength < 0 || (long) p + nameLength + 4 > end) {
                return "bad header name length " + nameLength;
            }
            p += nameLength;
            int headerValueLength = buf.getInt(p);
            p += 4;
            if (headerValueLength < 0 || (long) p + headerValueLength > end) {
                return "bad header value length " + headerValueLength;
            }
            p += headerValueLength;
        }
        if (p != end) {
            return "record fields end at " + (p - start) + " but length says " + (end - start);
        }
        return null;
    }

    /** Decodes a record already checked by {@link #validate}. */
    public static StoredRecord decode(ByteBuffer buf, int start) {
        long offset = buf.getLong(start + OFFSET_POS);
        long timestamp = buf.getLong(start + TIMESTAMP_POS);
        int p = start + KEY_LENGTH_POS;
        int keyLength = buf.getInt(p);
        p += 4;
        byte[] key = null;
        if (keyLength >= 0) {
            key = new byte[keyLength];
            buf.get(p, key);
            p += keyLength;
        }
        int valueLength = buf.getInt(p);
        p += 4;
        byte[] value = new byte[valueLength];
        buf.get(p, value);
        p += valueLength;
        int headerCount = buf.getShort(p);
        p += 2;
        List<Header> headers;
        if (headerCount == 0) {
            headers = List.of();
        } else {
            headers = new ArrayList<>(headerCount);
            for (int i = 0; i < headerCount; i++) {
                int nameLength = buf.getShort(p);
                p += 2;
                byte[] name = new byte[nameLength];
                buf.get(p, name);
                p += nameLength;
                int headerValueLength = buf.getInt(p);
                p += 4;
                byte[] headerValue = new byte[headerValueLength];
                buf.get(p, headerValue);
                p += headerValueLength;
                headers.add(new Header(new String(name, StandardCharsets.UTF_8), headerValue));
            }
            headers = List.copyOf(headers);
        }
        return new StoredRecord(offset, timestamp, key, value, headers);
    }

    private static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2;
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }
}
