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

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(80);
    }
}
