package flymq.protocol.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class StoredRecordLayoutTest {
    record H(String name, byte[] value) {
    }

    record R(long offset, long timestamp, byte[] key, byte[] value, List<H> headers) {
    }

    static final RecordFactory<R, H> FACTORY = new RecordFactory<>() {
        @Override
        public H header(String name, byte[] value) {
            return new H(name, value);
        }

        @Override
        public R record(long offset, long timestamp, byte[] key, byte[] value, List<H> headers) {
            return new R(offset, timestamp, key, value, headers);
        }
    };

    static ByteBuffer encode(long offset, byte[] key, byte[] value, List<H> headers) {
        ByteBuffer buf = ByteBuffer.allocate(StoredRecordLayout.sizeOf(key, value, headers, H::name, H::value));
        StoredRecordLayout.encode(buf, new CRC32C(), offset, 77, key, value, headers, H::name, H::value);
        return buf.flip();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSmallestRecordIsItsFixedFieldsAtTheirPositions() {
        ByteBuffer buf = encode(9, null, new byte[0], List.of());
        assertEquals(StoredRecordLayout.MIN_RECORD_SIZE, buf.limit());
        assertEquals(StoredRecordLayout.MIN_RECORD_SIZE - 4, buf.getInt(0));
        assertEquals(0, buf.get(StoredRecordLayout.ATTRIBUTES_POS));
        assertEquals(9, buf.getLong(StoredRecordLayout.OFFSET_POS));
        assertEquals(77, buf.getLong(StoredRecordLayout.TIMESTAMP_POS));
        assertEquals(-1, buf.getInt(StoredRecordLayout.KEY_LENGTH_POS));
        CRC32C expected = new CRC32C();
        expected.update(buf.array(), 8, buf.limit() - 8);
        assertEquals((int) expected.getValue(), buf.getInt(StoredRecordLayout.CRC_POS));
    }

    @Test
    void encodedRecordValidatesAndDecodesToWhatWasWritten() {
        ByteBuffer buf = encode(3, utf8("k"), utf8("value"), List.of(new H("traceparent", utf8("00-a")),
                new H("é", new byte[0])));
        assertNull(StoredRecordLayout.validate(buf, 0, new CRC32C()));
        R r = StoredRecordLayout.decode(buf, 0, FACTORY);
        assertEquals(3, r.offset());
        assertEquals(77, r.timestamp());
        assertArrayEquals(utf8("k"), r.key());
        assertArrayEquals(utf8("value"), r.value());
        assertEquals("é", r.headers().get(1).name());
    }

    @Test
    void anEmptyKeyIsStoredAsNoKey() {
        assertNull(StoredRecordLayout.decode(encode(0, new byte[0], utf8("v"), List.of()), 0, FACTORY).key());
    }

    @Test
    void everyFlippedBitIsCaught() {
        ByteBuffer good = encode(3, utf8("k"), utf8("v"), List.of(new H("h", utf8("x"))));
        for (int pos = 0; pos < good.limit(); pos++) {
            ByteBuffer bad = ByteBuffer.wrap(good.array().clone());
            bad.put(pos, (byte) (bad.get(pos) ^ 0x10));
            assertNotNull(StoredRecordLayout.validate(bad, 0, new CRC32C()), "flip at " + pos);
        }
    }

    @Test
    void forEachHeaderSeesHeadersWhereTheyLie() {
        ByteBuffer a = encode(0, null, utf8("v"), List.of(new H("traceparent", utf8("00-1"))));
        ByteBuffer b = encode(1, utf8("k"), utf8("v"), List.of(new H("x", utf8("y")), new H("traceparent",
                utf8("00-2"))));
        ByteBuffer both = ByteBuffer.allocate(a.limit() + b.limit()).put(a).put(b).flip();
        List<String> seen = new ArrayList<>();
        StoredRecordLayout.forEachHeader(both, 0, both.limit(), (buf, name, nameLength, value, valueLength) ->
                seen.add(new String(buf.array(), name, nameLength, StandardCharsets.UTF_8) + "="
                        + new String(buf.array(), value, valueLength, StandardCharsets.UTF_8)));
        assertEquals(List.of("traceparent=00-1", "x=y", "traceparent=00-2"), seen);
    }

    @Test
    void decodeAllNamesTheFirstBadRecord() {
        ByteBuffer a = encode(0, null, utf8("v"), List.of());
        ByteBuffer both = ByteBuffer.allocate(a.limit() * 2).put(a.duplicate()).put(a.duplicate()).flip();
        assertEquals(2, StoredRecordLayout.decodeAll(both, 0, both.limit(), FACTORY).size());
        both.put(a.limit() + 20, (byte) 1);
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> StoredRecordLayout.decodeAll(both, 0, both.limit(), FACTORY));
        assertEquals(a.limit(), e.position());
        assertThrows(InvalidRecordException.class, () -> StoredRecordLayout.decodeAll(both, 0, 3, FACTORY));
    }

    static ByteBuffer encodeExpiring(long offset, byte[] key, byte[] value, List<H> headers, long expiresAt) {
        ByteBuffer buf = ByteBuffer.allocate(StoredRecordLayout.sizeOf(key, value, headers, H::name, H::value,
                expiresAt));
        StoredRecordLayout.encode(buf, new CRC32C(), offset, 77, key, value, headers, H::name, H::value, expiresAt);
        return buf.flip();
    }

    @Test
    void anExpiringRecordSetsBit6AndEndsWithItsExpiry() {
        ByteBuffer plain = encode(4, utf8("k"), utf8("value"), List.of(new H("h", utf8("x"))));
        ByteBuffer expiring = encodeExpiring(4, utf8("k"), utf8("value"), List.of(new H("h", utf8("x"))),
                1_700_000_123_456L);
        assertEquals(plain.limit() + 8, expiring.limit());
        assertEquals(StoredRecordLayout.ATTR_EXPIRES, expiring.get(StoredRecordLayout.ATTRIBUTES_POS));
        assertEquals(1_700_000_123_456L, expiring.getLong(expiring.limit() - 8));
        assertNull(StoredRecordLayout.validate(expiring, 0, new CRC32C()));
        assertEquals(1_700_000_123_456L, StoredRecordLayout.expiresAtOf(expiring, 0));
        assertEquals(StoredRecordLayout.NO_EXPIRY, StoredRecordLayout.expiresAtOf(plain, 0));
        // the fields before the expiry are the plain record's, byte for byte
        for (int i = StoredRecordLayout.OFFSET_POS; i < plain.limit(); i++) {
            assertEquals(plain.get(i), expiring.get(i), "byte " + i);
        }
    }

    @Test
    void anExpiringRecordDecodesWithItsExpiryAndItsHeadersIntact() {
        ByteBuffer buf = encodeExpiring(8, null, utf8("v"), List.of(new H("a", utf8("1")), new H("b", utf8("2"))),
                99);
        long[] seen = {-1};
        R r = StoredRecordLayout.decode(buf, 0, new RecordFactory<R, H>() {
            @Override
            public H header(String name, byte[] value) {
                return new H(name, value);
            }

            @Override
            public R record(long offset, long timestamp, byte[] key, byte[] value, List<H> headers) {
                throw new AssertionError("the expiry-aware method is called");
            }

            @Override
            public R record(long offset, long timestamp, byte[] key, byte[] value, List<H> headers, long expiresAt) {
                seen[0] = expiresAt;
                return new R(offset, timestamp, key, value, headers);
            }
        });
        assertEquals(99, seen[0]);
        assertEquals(List.of("a", "b"), r.headers().stream().map(H::name).toList());
        List<String> headers = new ArrayList<>();
        StoredRecordLayout.forEachHeader(buf, 0, buf.limit(), (b, name, nameLength, value, valueLength) ->
                headers.add(new String(b.array(), name, nameLength, StandardCharsets.UTF_8)));
        assertEquals(List.of("a", "b"), headers);
        // a factory that does not care about expiry still decodes it
        assertEquals(8, StoredRecordLayout.decode(buf, 0, FACTORY).offset());
    }

    @Test
    void attributeBitsOtherThanTheExpiryAreRefused() {
        for (int bit : new int[] {0x01, 0x08, 0x80}) {
            ByteBuffer buf = encode(0, null, utf8("v"), List.of());
            buf.put(StoredRecordLayout.ATTRIBUTES_POS, (byte) bit);
            buf.putInt(StoredRecordLayout.CRC_POS, StoredRecordLayout.computeCrc(buf, 0, buf.getInt(0),
                    new CRC32C()));
            assertEquals(String.format("unknown attributes 0x%02x", bit), StoredRecordLayout.validate(buf, 0,
                    new CRC32C()));
        }
    }

    @Test
    void theExpiryBitOnARecordWithoutTheFieldIsCaught() {
        ByteBuffer buf = encode(0, utf8("key"), utf8("value"), List.of());
        buf.put(StoredRecordLayout.ATTRIBUTES_POS, (byte) StoredRecordLayout.ATTR_EXPIRES);
        buf.putInt(StoredRecordLayout.CRC_POS, StoredRecordLayout.computeCrc(buf, 0, buf.getInt(0), new CRC32C()));
        assertNotNull(StoredRecordLayout.validate(buf, 0, new CRC32C()));
        ByteBuffer smallest = encode(0, null, new byte[0], List.of());
        smallest.put(StoredRecordLayout.ATTRIBUTES_POS, (byte) StoredRecordLayout.ATTR_EXPIRES);
        smallest.putInt(StoredRecordLayout.CRC_POS, StoredRecordLayout.computeCrc(smallest, 0, smallest.getInt(0),
                new CRC32C()));
        assertEquals("record of " + smallest.limit() + " bytes is too short for its expiry field",
                StoredRecordLayout.validate(smallest, 0, new CRC32C()));
    }

    @Test
    void expiryIsAtOrBeforeNow() {
        assertEquals(false, StoredRecordLayout.isExpired(StoredRecordLayout.NO_EXPIRY, Long.MAX_VALUE));
        assertEquals(true, StoredRecordLayout.isExpired(100, 100));
        assertEquals(false, StoredRecordLayout.isExpired(101, 100));
    }

    @Property(tries = 300)
    void randomBytesDecodeOrAreInvalid(@ForAll("bytes") byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            StoredRecordLayout.decodeAll(buf, 0, bytes.length, FACTORY);
        } catch (InvalidRecordException expected) {
            // the one failure the decoder may report
        }
        StoredRecordLayout.forEachHeader(buf, 0, bytes.length, (b, n, nl, v, vl) -> {
        });
    }

    /** A slice of every kind of record: plain, keyed with headers, transactional, a marker, expiring, expired. */
    static byte[] mixedSlice() {
        List<ByteBuffer> parts = new ArrayList<>();
        parts.add(encode(10, null, utf8("plain"), List.of()));
        parts.add(encode(11, utf8("k"), utf8("with headers"), List.of(new H("traceparent", utf8("00-a")),
                new H("é", new byte[0]))));
        byte[] txnId = ByteBuffer.allocate(8).putLong(0, 42).array();
        parts.add(encode(12, null, utf8("in txn"), List.of(new H(StoredRecordLayout.TXN_HEADER, txnId))));
        parts.add(encode(13, null, new byte[0], List.of(new H(StoredRecordLayout.TXN_HEADER, txnId),
                new H(StoredRecordLayout.TXN_MARKER_HEADER, new byte[] {StoredRecordLayout.MARKER_COMMIT}))));
        for (long[] r : new long[][] {{14, 5_000}, {15, 500}}) {
            byte[] v = utf8("expires at " + r[1]);
            ByteBuffer b = ByteBuffer.allocate(StoredRecordLayout.sizeOf(null, v, List.of(), H::name, H::value, r[1]));
            StoredRecordLayout.encode(b, new CRC32C(), r[0], 77, null, v, List.<H>of(), H::name, H::value, r[1]);
            parts.add(b.flip());
        }
        ByteBuffer all = ByteBuffer.allocate(parts.stream().mapToInt(ByteBuffer::limit).sum());
        parts.forEach(all::put);
        return all.array();
    }

    /** What validate + decode make of a slice, skipping what a consumer does not see: the reference. */
    static StoredRecordLayout.Visible<R> slowVisible(byte[] a, int from, int to, long nowMs) {
        ByteBuffer buf = ByteBuffer.wrap(a).limit(to);
        List<R> out = new ArrayList<>();
        int count = 0;
        long last = -1;
        for (int pos = from; pos < to; pos += StoredRecordLayout.sizeAt(buf, pos)) {
            String problem = to - pos < StoredRecordLayout.LENGTH_SIZE
                    ? (to - pos) + " bytes left, too few for a record length"
                    : StoredRecordLayout.validate(buf, pos, new CRC32C());
            if (problem != null) {
                throw new InvalidRecordException(pos - from, problem);
            }
            if ((StoredRecordLayout.attributesAt(buf, pos) & StoredRecordLayout.CONTROL) == 0
                    && !StoredRecordLayout.isExpired(StoredRecordLayout.expiresAtOf(buf, pos), nowMs)) {
                out.add(StoredRecordLayout.decode(buf, pos, FACTORY));
            }
            last = StoredRecordLayout.offsetAt(buf, pos);
            count++;
        }
        return new StoredRecordLayout.Visible<>(out, count, last);
    }

    static String describe(StoredRecordLayout.Visible<R> v) {
        StringBuilder b = new StringBuilder(v.count() + " records, last " + v.lastOffset() + ":");
        for (R r : v.records()) {
            b.append(' ').append(r.offset()).append('/').append(r.timestamp()).append('/')
                    .append(r.key() == null ? "-" : new String(r.key(), StandardCharsets.UTF_8)).append('/')
                    .append(new String(r.value(), StandardCharsets.UTF_8));
            for (H h : r.headers()) {
                b.append('[').append(h.name()).append('=').append(java.util.HexFormat.of().formatHex(h.value()))
                        .append(']');
            }
        }
        return b.toString();
    }

    static String outcome(java.util.function.Supplier<StoredRecordLayout.Visible<R>> decoder) {
        try {
            return describe(decoder.get());
        } catch (InvalidRecordException e) {
            return "invalid at " + e.position() + ": " + e.problem();
        }
    }

    @Test
    void theConsumersWalkSkipsMarkersAndExpiredRecordsButCountsThem() {
        byte[] slice = mixedSlice();
        StoredRecordLayout.Visible<R> v = StoredRecordLayout.decodeVisible(slice, 0, slice.length, FACTORY, 1_000, 6);
        assertEquals(6, v.count());
        assertEquals(15, v.lastOffset());
        assertEquals(List.of(10L, 11L, 12L, 14L), v.records().stream().map(R::offset).toList());
        assertEquals(describe(slowVisible(slice, 0, slice.length, 1_000)), describe(v));
    }

    @Property(tries = 600)
    void theConsumersWalkAgreesWithValidateAndDecodeOnAnyDamage(@ForAll("damage") int[] damage) {
        byte[] slice = mixedSlice();
        int at = Math.floorMod(damage[0], slice.length);
        slice[at] = (byte) damage[1];
        int to = slice.length - Math.floorMod(damage[2], 3) * Math.floorMod(damage[0], 7);
        long now = damage[1] * 50L;
        assertEquals(outcome(() -> slowVisible(slice, 0, to, now)),
                outcome(() -> StoredRecordLayout.decodeVisible(slice, 0, to, FACTORY, now, 0)));
    }

    @Provide
    Arbitrary<int[]> damage() {
        return Arbitraries.integers().between(-1_000, 1_000).array(int[].class).ofSize(3);
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(80);
    }
}
