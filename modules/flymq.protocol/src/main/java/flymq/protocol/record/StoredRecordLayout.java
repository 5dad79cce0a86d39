package flymq.protocol.record;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * The byte layout of one stored record: how a record lies in a segment's {@code .log} file, in a log slice, and in
 * the tail of a BATCH_FETCH answer, which sends those bytes as they lie in the file. It is defined here, in the
 * protocol module, because the client reads it too (BATCH_FETCH) and may depend on nothing but this module; the
 * storage module writes and recovers files with it ({@code flymq.storage.record.RecordCodec}).
 *
 * <p>Each record is self-contained (it carries its absolute offset), so a reader can start at any record. All
 * integers big-endian:
 * <pre>
 *   offset in record  field
 *    0  int32  length       bytes after this field (so the record occupies 4 + length bytes), >= 31
 *    4  int32  crc32c       CRC32C of the {@code length - 4} bytes from attributes to the end of the record
 *    8  int8   attributes   bit flags, see below; a reader rejects a record with any other bit set
 *    9  int64  offset       absolute offset in the partition
 *   17  int64  timestamp    Unix milliseconds given by the producer
 *   25  int32  keyLength    -1 = no key (an empty key is stored as no key)
 *   29  bytes  key
 *       int32  valueLength  >= 0
 *       bytes  value
 *       int16  headerCount  >= 0
 *       per header: int16 nameLength, UTF-8 name, int32 valueLength, value bytes
 *       int64  expiresAt    only when attributes has 0x40: Unix milliseconds from which the record is expired
 * </pre>
 * Attributes (files written before transactions and TTL hold 0 everywhere and read unchanged):
 * <pre>
 *   0x07  compression (reserved, never set)
 *   0x10  transactional: the record carries the header {@value #TXN_HEADER}, an int64 transaction id (8 bytes);
 *         it is visible to read-committed readers only once its transaction committed
 *   0x20  control: a transaction marker, not user data: the header {@value #TXN_MARKER_HEADER}, one byte
 *         ({@value #MARKER_COMMIT} commit, {@value #MARKER_ABORT} abort), no key, an empty value. A marker in a
 *         log also carries its transaction's {@value #TXN_HEADER} (so bit 0x10 too); a broker may close a
 *         filtered BATCH_FETCH answer with a marker without it (docs/transactions.md). Every reader skips control
 *         records and moves its position past them; they are never messages
 *   0x40  expiring (TTL): the record ends with {@code int64 expiresAt}, Unix milliseconds from which it is expired
 *   0x08  encrypted at rest: the value field holds the sealed value ({@value #ENCRYPTED_VALUE_OVERHEAD} bytes of
 *         envelope around the AES-256-GCM ciphertext, {@code flymq.storage.ValueCipher}); only a segment
 *         file holds it: the broker decrypts before any byte reaches the wire, so a client rejects it like 0x80
 *   0x80  not used by this version: a reader rejects it
 * </pre>
 * The transaction bits are not given by the writer: {@link #encode} derives them from those reserved headers (names
 * starting {@code flymq.txn}, which the broker refuses in produced records), so a bit is set exactly when its header
 * is there, and a reader decides "transactional?" and "control?" from one byte without walking the headers. The
 * expiry is the record's last 8 bytes, so a reader finds it from the length alone ({@link #expiresAtOf}) without
 * walking key, value and headers; a record without bit 0x40 has no such field. An expired record stays in the file
 * until retention deletes its segment: every read path hides it (the broker for CONSUME and FETCH; for BATCH_FETCH,
 * whose tail is these bytes as stored, the client, by this field).
 *
 * <p>A record is valid when its length fits in the bytes at hand, its CRC matches, its attributes hold no bit but
 * those above and the lengths inside it add up to exactly {@code length}. {@link #validate} checks all of that; {@link #decode} trusts
 * a validated record; {@link #forEachHeader} walks headers without the CRC, for a reader that only peeks.
 */
public final class StoredRecordLayout {

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
    /** Largest record accepted (keeps positions and lengths in int range). */
    public static final int MAX_RECORD_SIZE = 1 << 30;
    /** Attributes bit: the record belongs to a transaction ({@link #TXN_HEADER} holds its id). */
    public static final int TRANSACTIONAL = 0x10;
    /** Attributes bit: a transaction marker (control record), never user data. */
    public static final int CONTROL = 0x20;
    /** Attributes bit: the record ends with an {@code int64 expiresAt}. */
    public static final int ATTR_EXPIRES = 0x40;
    /** Attributes bit: the value is encrypted at rest (segment files only, never on the wire). */
    public static final int ATTR_ENCRYPTED = 0x08;
    /** Bytes an encrypted value is longer than the plain value (format, key id, salt, counter, GCM tag). */
    public static final int ENCRYPTED_VALUE_OVERHEAD = 1 + 4 + 8 + 8 + 16;
    /** Attribute bits a reader of the wire accepts; storage also accepts {@link #ATTR_ENCRYPTED}. */
    public static final int KNOWN_ATTRIBUTES = TRANSACTIONAL | CONTROL | ATTR_EXPIRES;
    /** Reserved header of a transactional record: the transaction id, int64 big-endian. */
    public static final String TXN_HEADER = "flymq.txn";
    /** Reserved header of a control record: the outcome, one byte. */
    public static final String TXN_MARKER_HEADER = "flymq.txn.marker";
    /** Prefix of the reserved transaction headers; produced records may not use it. */
    public static final String TXN_HEADER_PREFIX = "flymq.txn";
    public static final int MARKER_ABORT = 0;
    public static final int MARKER_COMMIT = 1;
    /** The expiresAt value of a record that never expires (no field is written). */
    public static final long NO_EXPIRY = 0;
    private static final int EXPIRY_SIZE = 8;
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private StoredRecordLayout() {
    }

    /**
     * Encoded size of a record (4 + length).
     *
     * @throws IllegalArgumentException when it has more headers, a longer header name or more bytes than the
     *                                  layout allows
     */
    public static <H> int sizeOf(byte[] key, byte[] value, List<H> headers, Function<H, String> name,
                                 Function<H, byte[]> headerValue) {
        return sizeOf(key, value, headers, name, headerValue, NO_EXPIRY);
    }

    /** As {@link #sizeOf(byte[], byte[], List, Function, Function)} for a record expiring at {@code expiresAt}. */
    public static <H> int sizeOf(byte[] key, byte[] value, List<H> headers, Function<H, String> name,
                                 Function<H, byte[]> headerValue, long expiresAt) {
        long size = MIN_RECORD_SIZE + (expiresAt == NO_EXPIRY ? 0 : EXPIRY_SIZE);
        if (key != null) {
            size += key.length;
        }
        size += value.length;
        if (headers.size() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("a record has " + headers.size() + " headers, max " + Short.MAX_VALUE);
        }
        for (int i = 0, n = headers.size(); i < n; i++) {
            H h = headers.get(i);
            String hName = name.apply(h);
            int nameLength = utf8Length(hName);
            if (nameLength > Short.MAX_VALUE) {
                throw new IllegalArgumentException("header name '" + hName.substring(0, 40) + "...' is "
                        + nameLength + " UTF-8 bytes, max " + Short.MAX_VALUE);
            }
            size += 2 + nameLength + 4 + headerValue.apply(h).length;
        }
        if (size > MAX_RECORD_SIZE) {
            throw new IllegalArgumentException("a record encodes to " + size + " bytes, max " + MAX_RECORD_SIZE);
        }
        return (int) size;
    }

    /**
     * Writes one record at the buffer's position (which advances by {@link #sizeOf}); {@code crc} is scratch state.
     * An empty key is written as no key.
     */
    public static <H> void encode(ByteBuffer dst, CRC32C crc, long offset, long timestamp, byte[] key, byte[] value,
                                  List<H> headers, Function<H, String> name, Function<H, byte[]> headerValue) {
        encode(dst, crc, offset, timestamp, key, value, headers, name, headerValue, NO_EXPIRY);
    }

    /**
     * As {@link #encode(ByteBuffer, CRC32C, long, long, byte[], byte[], List, Function, Function)} for a record
     * that expires at {@code expiresAt} (Unix ms; {@link #NO_EXPIRY}: never, written without the field).
     */
    public static <H> void encode(ByteBuffer dst, CRC32C crc, long offset, long timestamp, byte[] key, byte[] value,
                                  List<H> headers, Function<H, String> name, Function<H, byte[]> headerValue,
                                  long expiresAt) {
        encode(dst, crc, 0, offset, timestamp, key, value, headers, name, headerValue, expiresAt);
    }

    /**
     * As {@link #encode(ByteBuffer, CRC32C, long, long, byte[], byte[], List, Function, Function, long)} with extra
     * attribute bits the writer knows and the headers cannot tell: {@link #ATTR_ENCRYPTED} for a sealed value.
     */
    public static <H> void encode(ByteBuffer dst, CRC32C crc, int attributes, long offset, long timestamp,
                                  byte[] key, byte[] value, List<H> headers, Function<H, String> name,
                                  Function<H, byte[]> headerValue, long expiresAt) {
        int start = dst.position();
        dst.putInt(0).putInt(0)
                .put((byte) (attributes | attributesOf(headers, name) | (expiresAt == NO_EXPIRY ? 0 : ATTR_EXPIRES)))
                .putLong(offset).putLong(timestamp);
        if (key == null || key.length == 0) {
            dst.putInt(-1);
        } else {
            dst.putInt(key.length).put(key);
        }
        dst.putInt(value.length).put(value);
        dst.putShort((short) headers.size());
        for (int i = 0, n = headers.size(); i < n; i++) {
            H h = headers.get(i);
            byte[] hName = name.apply(h).getBytes(StandardCharsets.UTF_8);
            byte[] hValue = headerValue.apply(h);
            dst.putShort((short) hName.length).put(hName).putInt(hValue.length).put(hValue);
        }
        if (expiresAt != NO_EXPIRY) {
            dst.putLong(expiresAt);
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

    /** The attribute bits a record with these headers is stored with (0 for none, the common case). */
    public static <H> int attributesOf(List<H> headers, Function<H, String> name) {
        int attributes = 0;
        for (int i = 0, n = headers.size(); i < n; i++) {
            String h = name.apply(headers.get(i));
            if (h.startsWith(TXN_HEADER_PREFIX)) {
                if (h.equals(TXN_HEADER)) {
                    attributes |= TRANSACTIONAL;
                } else if (h.equals(TXN_MARKER_HEADER)) {
                    attributes |= CONTROL;
                }
            }
        }
        return attributes;
    }

    /** The attributes byte of the record at {@code start}. */
    public static int attributesAt(ByteBuffer buf, int start) {
        return buf.get(start + ATTRIBUTES_POS) & 0xFF;
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
     * Checks the record at {@code start}, up to the buffer's limit, and returns null if it is valid, else why not.
     * Needs at least {@link #LENGTH_SIZE} bytes at {@code start}.
     */
    public static String validate(ByteBuffer buf, int start, CRC32C crc) {
        return validate(buf, start, crc, KNOWN_ATTRIBUTES);
    }

    /**
     * As {@link #validate(ByteBuffer, int, CRC32C)} accepting the attribute bits {@code knownAttributes}: storage reads
     * its files with {@link #ATTR_ENCRYPTED} too.
     */
    public static String validate(ByteBuffer buf, int start, CRC32C crc, int knownAttributes) {
        String lengthProblem = lengthProblem(buf, start);
        if (lengthProblem != null) {
            return lengthProblem;
        }
        int length = buf.getInt(start);
        int stored = buf.getInt(start + CRC_POS);
        int computed = computeCrc(buf, start, length, crc);
        if (stored != computed) {
            return String.format("CRC32C mismatch: stored %08x, computed %08x", stored, computed);
        }
        if ((buf.get(start + ATTRIBUTES_POS) & ~knownAttributes) != 0) {
            return String.format("unknown attributes 0x%02x", buf.get(start + ATTRIBUTES_POS) & 0xFF);
        }
        return checkFields(buf, start, start + LENGTH_SIZE + length, null);
    }

    /**
     * Checks the record at {@code start} as {@link #validate(ByteBuffer, int, CRC32C, int)} does, except its CRC, and
     * what a reader would otherwise refuse later: an expiry that is not a positive time, and transaction bits other
     * than those its headers call for ({@link #attributesOf}). For records whose offset and CRC are about to be
     * written ({@link #seal}). Needs at least {@link #LENGTH_SIZE} bytes at {@code start}.
     */
    public static String checkShape(ByteBuffer buf, int start, int knownAttributes) {
        String lengthProblem = lengthProblem(buf, start);
        if (lengthProblem != null) {
            return lengthProblem;
        }
        int length = buf.getInt(start);
        int attributes = buf.get(start + ATTRIBUTES_POS) & 0xFF;
        if ((attributes & ~knownAttributes) != 0) {
            return String.format("unknown attributes 0x%02x", attributes);
        }
        String fields = checkFields(buf, start, start + LENGTH_SIZE + length, null);
        if (fields != null) {
            return fields;
        }
        if ((attributes & ATTR_EXPIRES) != 0 && expiresAtOf(buf, start) <= 0) {
            return "expiry " + expiresAtOf(buf, start) + " is not a time";
        }
        int headerBits = headerAttributes(buf, start);
        if ((attributes & (TRANSACTIONAL | CONTROL)) != headerBits) {
            return String.format("transaction bits 0x%02x where its headers call for 0x%02x",
                    attributes & (TRANSACTIONAL | CONTROL), headerBits);
        }
        return null;
    }

    /** Why the length field of the record at {@code start} cannot be right, or null. */
    private static String lengthProblem(ByteBuffer buf, int start) {
        int length = buf.getInt(start);
        if (length < MIN_RECORD_SIZE - LENGTH_SIZE || length > MAX_RECORD_SIZE) {
            return "impossible record length " + length;
        }
        if ((long) start + LENGTH_SIZE + length > buf.limit()) {
            return "record length " + length + " runs past the end of the data";
        }
        return null;
    }

    private static final byte[] TXN_NAME = TXN_HEADER.getBytes(StandardCharsets.UTF_8);
    private static final byte[] TXN_MARKER_NAME = TXN_MARKER_HEADER.getBytes(StandardCharsets.UTF_8);

    /** The transaction bits the headers of the record at {@code start} (whose lengths add up) call for. */
    private static int headerAttributes(ByteBuffer buf, int start) {
        int p = start + KEY_LENGTH_POS;
        p += 4 + Math.max(buf.getInt(p), 0);
        p += 4 + buf.getInt(p);
        int count = buf.getShort(p);
        p += 2;
        int bits = 0;
        for (int i = 0; i < count; i++) {
            int nameLength = buf.getShort(p);
            p += 2;
            if (nameIs(buf, p, nameLength, TXN_NAME)) {
                bits |= TRANSACTIONAL;
            } else if (nameIs(buf, p, nameLength, TXN_MARKER_NAME)) {
                bits |= CONTROL;
            }
            p += nameLength;
            p += 4 + buf.getInt(p);
        }
        return bits;
    }

    private static boolean nameIs(ByteBuffer buf, int at, int length, byte[] name) {
        if (length != name.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.get(at + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Gives the well-formed record at {@code start} the offset {@code offset} and the CRC that goes with its bytes
     * then, as {@link #encode} would have: records encoded before their offsets were known (a replicated batch)
     * are stored this way without being decoded.
     */
    public static void seal(ByteBuffer buf, int start, long offset, CRC32C crc) {
        buf.putLong(start + OFFSET_POS, offset);
        // the CRC over the buffer itself, its position and limit put back after: no view object per record
        int position = buf.position();
        int limit = buf.limit();
        buf.limit(start + LENGTH_SIZE + buf.getInt(start)).position(start + ATTRIBUTES_POS);
        crc.reset();
        crc.update(buf);
        buf.limit(limit).position(position);
        buf.putInt(start + CRC_POS, (int) crc.getValue());
    }

    /**
     * Walks the fields from the key length on and returns null when their lengths add up to the record's end, else
     * why not; hands every header to {@code headers} when not null.
     */
    private static String checkFields(ByteBuffer buf, int start, int recordEnd, HeaderVisitor headers) {
        int end = recordEnd;
        if ((buf.get(start + ATTRIBUTES_POS) & ATTR_EXPIRES) != 0) {
            end -= EXPIRY_SIZE;
            if (end - start < MIN_RECORD_SIZE) {
                return "record of " + (recordEnd - start) + " bytes is too short for its expiry field";
            }
        }
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
            int name = p;
            p += nameLength;
            int headerValueLength = buf.getInt(p);
            p += 4;
            if (headerValueLength < 0 || (long) p + headerValueLength > end) {
                return "bad header value length " + headerValueLength;
            }
            if (headers != null) {
                headers.header(buf, name, nameLength, p, headerValueLength);
            }
            p += headerValueLength;
        }
        if (p != end) {
            return "record fields end at " + (p - start) + " but length says " + (end - start);
        }
        return null;
    }

    /** Sees a header's name and value where they lie in the buffer, without copying them. */
    @FunctionalInterface
    public interface HeaderVisitor {
        void header(ByteBuffer buf, int nameStart, int nameLength, int valueStart, int valueLength);
    }

    /**
     * Hands every header of the records in {@code buf[from, to)} to {@code visitor}, in record order, without
     * checking CRCs or copying anything; stops at the first record whose lengths do not add up (its headers are
     * then not all seen).
     */
    public static void forEachHeader(ByteBuffer buf, int from, int to, HeaderVisitor visitor) {
        int pos = from;
        while (to - pos >= LENGTH_SIZE) {
            int length = buf.getInt(pos);
            if (length < MIN_RECORD_SIZE - LENGTH_SIZE || length > to - pos - LENGTH_SIZE) {
                return;
            }
            int end = pos + LENGTH_SIZE + length;
            if (checkFields(buf, pos, end, visitor) != null) {
                return;
            }
            pos = end;
        }
    }

    /**
     * The transaction id of the record at {@code start} (whose lengths add up, e.g. validated), from its
     * {@link #TXN_HEADER}; -1 when it is not transactional.
     */
    public static long txnIdAt(ByteBuffer buf, int start) {
        if ((attributesAt(buf, start) & TRANSACTIONAL) == 0) {
            return -1;
        }
        long[] id = {-1};
        checkFields(buf, start, start + sizeAt(buf, start), (b, nameStart, nameLength, valueStart, valueLength) -> {
            if (valueLength == 8 && nameLength == TXN_HEADER.length() && isTxnHeader(b, nameStart)) {
                id[0] = b.getLong(valueStart);
            }
        });
        return id[0];
    }

    private static boolean isTxnHeader(ByteBuffer b, int nameStart) {
        for (int i = 0; i < TXN_HEADER.length(); i++) {
            if (b.get(nameStart + i) != TXN_HEADER.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The record's total size (4 + length) as its length field says. */
    public static int sizeAt(ByteBuffer buf, int start) {
        return LENGTH_SIZE + buf.getInt(start);
    }

    /** The offset field of the record at {@code start}. */
    public static long offsetAt(ByteBuffer buf, int start) {
        return buf.getLong(start + OFFSET_POS);
    }

    /** The timestamp field of the record at {@code start}. */
    public static long timestampAt(ByteBuffer buf, int start) {
        return buf.getLong(start + TIMESTAMP_POS);
    }

    /**
     * The expiry of the record at {@code start} (which must lie whole in the buffer): Unix milliseconds, or
     * {@link #NO_EXPIRY} when the record has none. Reads only the length, the attributes and the last 8 bytes.
     */
    public static long expiresAtOf(ByteBuffer buf, int start) {
        if ((buf.get(start + ATTRIBUTES_POS) & ATTR_EXPIRES) == 0) {
            return NO_EXPIRY;
        }
        return buf.getLong(start + LENGTH_SIZE + buf.getInt(start) - EXPIRY_SIZE);
    }

    /** True when a record expiring at {@code expiresAt} is expired at {@code nowMs}: one rule for every reader. */
    public static boolean isExpired(long expiresAt, long nowMs) {
        return expiresAt != NO_EXPIRY && expiresAt <= nowMs;
    }

    /** Decodes a record already checked by {@link #validate} into the caller's types. */
    public static <R, H> R decode(ByteBuffer buf, int start, RecordFactory<R, H> factory) {
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
        List<H> headers;
        if (headerCount == 0) {
            headers = List.of();
        } else {
            headers = new ArrayList<>(headerCount);
            for (int i = 0; i < headerCount; i++) {
                int nameLength = buf.getShort(p);
                p += 2;
                String name = utf8(buf, p, nameLength);
                p += nameLength;
                int headerValueLength = buf.getInt(p);
                p += 4;
                byte[] headerValue = new byte[headerValueLength];
                buf.get(p, headerValue);
                p += headerValueLength;
                headers.add(factory.header(name, headerValue));
            }
            headers = List.copyOf(headers);
        }
        return factory.record(offset, timestamp, key, value, headers, expiresAtOf(buf, start));
    }

    /**
     * Validates and decodes every record of {@code buf[from, to)}, which must hold whole records only.
     *
     * @throws InvalidRecordException naming the byte position (relative to {@code from}) of the first record that
     *                                is not valid
     */
    public static <R, H> List<R> decodeAll(ByteBuffer buf, int from, int to, RecordFactory<R, H> factory) {
        List<R> out = new ArrayList<>();
        CRC32C crc = new CRC32C();
        ByteBuffer window = buf.duplicate().limit(to);
        int pos = from;
        while (pos < to) {
            if (to - pos < LENGTH_SIZE) {
                throw new InvalidRecordException(pos - from, (to - pos) + " bytes left, too few for a record length");
            }
            String problem = validate(window, pos, crc);
            if (problem != null) {
                throw new InvalidRecordException(pos - from, problem);
            }
            out.add(decode(window, pos, factory));
            pos += sizeAt(window, pos);
        }
        return out;
    }

    /**
     * What {@link #decodeVisible} found in a slice.
     *
     * @param records    the records a consumer sees, in order
     * @param count      every record of the slice, control and expired ones included
     * @param lastOffset offset of the slice's last record, whatever its kind; -1 for an empty slice
     */
    public record Visible<R>(List<R> records, int count, long lastOffset) {
    }

    /**
     * Checks every record of {@code a[from, to)} as {@link #validate} does and decodes those a consumer sees: not
     * control records, not expired at {@code nowMs}. This is the consumer's hot path (a BATCH_FETCH answer holds
     * thousands of records), so each record is read once, straight from the array: the checks, the CRC and the
     * copies of key, value and headers happen in one walk, and skipped records make no objects.
     *
     * @param expectedCount how many records the caller expects (sizes the list; not checked here)
     * @throws InvalidRecordException naming the byte position (relative to {@code from}) of the first record that
     *                                is not valid, with {@link #validate}'s reason
     */
    public static <R, H> Visible<R> decodeVisible(byte[] a, int from, int to, RecordFactory<R, H> factory,
                                                  long nowMs, int expectedCount) {
        List<R> out = new ArrayList<>(Math.max(expectedCount, 0));
        CRC32C crc = new CRC32C();
        int pos = from;
        int count = 0;
        long last = -1;
        while (pos < to) {
            int size = to - pos < LENGTH_SIZE ? -1 : visit(a, pos, to, factory, nowMs, crc, out);
            if (size < 0) {
                // The fast walk only says "invalid"; validate says why (the same checks, so it finds the problem).
                String problem = to - pos < LENGTH_SIZE
                        ? (to - pos) + " bytes left, too few for a record length"
                        : validate(ByteBuffer.wrap(a).limit(to), pos, crc);
                throw new InvalidRecordException(pos - from, problem != null ? problem : "record does not decode");
            }
            last = (long) I64.get(a, pos + OFFSET_POS);
            count++;
            pos += size;
        }
        return new Visible<>(out, count, last);
    }

    /**
     * Checks the record at {@code start} (whose bytes must end by {@code limit}) as {@link #validate} does, adds it
     * to {@code out} when a consumer sees it, and returns its size; -1 when it is not valid.
     */
    private static <R, H> int visit(byte[] a, int start, int limit, RecordFactory<R, H> factory, long nowMs,
                                    CRC32C crc, List<R> out) {
        int length = (int) I32.get(a, start);
        if (length < MIN_RECORD_SIZE - LENGTH_SIZE || length > MAX_RECORD_SIZE
                || (long) start + LENGTH_SIZE + length > limit) {
            return -1;
        }
        crc.reset();
        crc.update(a, start + ATTRIBUTES_POS, length - LENGTH_SIZE);
        if ((int) I32.get(a, start + CRC_POS) != (int) crc.getValue()) {
            return -1;
        }
        int attributes = a[start + ATTRIBUTES_POS] & 0xFF;
        if ((attributes & ~KNOWN_ATTRIBUTES) != 0) {
            return -1;
        }
        int end = start + LENGTH_SIZE + length;
        long expiresAt = NO_EXPIRY;
        if ((attributes & ATTR_EXPIRES) != 0) {
            end -= EXPIRY_SIZE;
            if (end - start < MIN_RECORD_SIZE) {
                return -1;
            }
            expiresAt = (long) I64.get(a, end);
        }
        boolean visible = (attributes & CONTROL) == 0 && !isExpired(expiresAt, nowMs);
        int p = start + KEY_LENGTH_POS;
        int keyLength = (int) I32.get(a, p);
        p += 4;
        if (keyLength < -1 || (long) p + Math.max(keyLength, 0) + 6 > end) {
            return -1;
        }
        byte[] key = visible && keyLength >= 0 ? Arrays.copyOfRange(a, p, p + keyLength) : null;
        p += Math.max(keyLength, 0);
        int valueLength = (int) I32.get(a, p);
        p += 4;
        if (valueLength < 0 || (long) p + valueLength + 2 > end) {
            return -1;
        }
        byte[] value = visible ? Arrays.copyOfRange(a, p, p + valueLength) : null;
        p += valueLength;
        int headerCount = (short) I16.get(a, p);
        p += 2;
        if (headerCount < 0) {
            return -1;
        }
        List<H> headers = visible && headerCount > 0 ? new ArrayList<>(headerCount) : null;
        for (int i = 0; i < headerCount; i++) {
            if (p + 2 > end) {
                return -1;
            }
            int nameLength = (short) I16.get(a, p);
            p += 2;
            if (nameLength < 0 || (long) p + nameLength + 4 > end) {
                return -1;
            }
            int name = p;
            p += nameLength;
            int headerValueLength = (int) I32.get(a, p);
            p += 4;
            if (headerValueLength < 0 || (long) p + headerValueLength > end) {
                return -1;
            }
            if (headers != null) {
                headers.add(factory.header(new String(a, name, nameLength, StandardCharsets.UTF_8),
                        Arrays.copyOfRange(a, p, p + headerValueLength)));
            }
            p += headerValueLength;
        }
        if (p != end) {
            return -1;
        }
        if (visible) {
            out.add(factory.record((long) I64.get(a, start + OFFSET_POS), (long) I64.get(a, start + TIMESTAMP_POS),
                    key, value, headers == null ? List.of() : List.copyOf(headers), expiresAt));
        }
        return LENGTH_SIZE + length;
    }

    private static String utf8(ByteBuffer buf, int at, int length) {
        if (buf.hasArray()) {
            return new String(buf.array(), buf.arrayOffset() + at, length, StandardCharsets.UTF_8);
        }
        byte[] b = new byte[length];
        buf.get(at, b);
        return new String(b, StandardCharsets.UTF_8);
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
