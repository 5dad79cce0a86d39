package flymq.storage.record;

import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Header;
import flymq.storage.Record;
import flymq.storage.StoredRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class RecordCodecTest {

    private final CRC32C crc = new CRC32C();

    private ByteBuffer encode(Record r, long offset) {
        ByteBuffer buf = ByteBuffer.allocate(RecordCodec.sizeOf(r));
        RecordCodec.encode(r, offset, buf, crc);
        assertEquals(buf.capacity(), buf.position(), "sizeOf matches what encode writes");
        return buf.flip();
    }

    @Test
    void recordWithKeyValueAndHeadersRoundTrips() {
        Record r = new Record(1_700_000_000_123L, "k".getBytes(), "value".getBytes(), List.of(
                new Header("traceparent", "00-abc-def-01".getBytes()), new Header("ünïcode", new byte[0])));
        ByteBuffer buf = encode(r, 42);
        assertNull(StoredRecordLayout.validate(buf, 0, crc));
        StoredRecord s = RecordCodec.decode(buf, 0);
        assertEquals(42, s.offset());
        assertEquals(r.timestamp(), s.timestamp());
        assertArrayEquals(r.key(), s.key());
        assertArrayEquals(r.value(), s.value());
        assertEquals(2, s.headers().size());
        assertEquals("ünïcode", s.headers().get(1).key());
        assertArrayEquals("00-abc-def-01".getBytes(), s.headers().get(0).value());
    }

    @Test
    void emptyKeyIsStoredAsNoKey() {
        ByteBuffer buf = encode(new Record(1, new byte[0], "v".getBytes(), List.of()), 0);
        assertNull(RecordCodec.decode(buf, 0).key());
        assertEquals(-1, buf.getInt(StoredRecordLayout.KEY_LENGTH_POS));
    }

    @Test
    void layoutMatchesTheDocumentedFieldPositions() {
        ByteBuffer buf = encode(new Record(77, null, "abc".getBytes(StandardCharsets.US_ASCII), List.of()), 9);
        assertEquals(StoredRecordLayout.MIN_RECORD_SIZE + 3, buf.limit());
        assertEquals(buf.limit() - 4, buf.getInt(0));
        assertEquals(0, buf.get(StoredRecordLayout.ATTRIBUTES_POS));
        assertEquals(9, buf.getLong(StoredRecordLayout.OFFSET_POS));
        assertEquals(77, buf.getLong(StoredRecordLayout.TIMESTAMP_POS));
        assertEquals(3, buf.getInt(StoredRecordLayout.HEADER_SIZE));
        CRC32C expected = new CRC32C();
        expected.update(buf.array(), 8, buf.limit() - 8);
        assertEquals((int) expected.getValue(), buf.getInt(StoredRecordLayout.CRC_POS));
    }

    @Property(tries = 200)
    void anyRecordRoundTrips(@ForAll("records") Record r, @ForAll long offset) {
        ByteBuffer buf = encode(r, offset);
        assertNull(StoredRecordLayout.validate(buf, 0, crc));
        StoredRecord s = RecordCodec.decode(buf, 0);
        assertEquals(offset, s.offset());
        assertEquals(r.timestamp(), s.timestamp());
        if (r.key() == null || r.key().length == 0) {
            assertNull(s.key());
        } else {
            assertArrayEquals(r.key(), s.key());
        }
        assertArrayEquals(r.value(), s.value());
        assertEquals(r.headers().size(), s.headers().size());
        for (int i = 0; i < r.headers().size(); i++) {
            assertEquals(r.headers().get(i).key(), s.headers().get(i).key());
            assertArrayEquals(r.headers().get(i).value(), s.headers().get(i).value());
        }
    }

    @Property(tries = 200)
    void anySingleByteChangeIsDetected(@ForAll("records") Record r, @ForAll @IntRange(min = 0, max = 1 << 16) int at,
                                       @ForAll @IntRange(min = 1, max = 255) int xor) {
        ByteBuffer buf = encode(r, 5);
        int pos = at % buf.limit();
        buf.put(pos, (byte) (buf.get(pos) ^ xor));
        assertNotNull(StoredRecordLayout.validate(buf, 0, crc), "flip at " + pos + " of " + buf.limit());
    }

    @Provide
    Arbitrary<Record> records() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<Header> header = Combinators.combine(Arbitraries.strings().ofMaxLength(20), bytes)
                .as(Header::new);
        return Combinators.combine(Arbitraries.longs(), bytes.injectNull(0.2), bytes, header.list().ofMaxSize(4))
                .as((ts, key, value, hs) -> new Record(ts, key, value, new ArrayList<>(hs)));
    }
}
