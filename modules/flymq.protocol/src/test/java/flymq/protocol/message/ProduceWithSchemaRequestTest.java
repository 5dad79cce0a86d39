package flymq.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PRODUCE_WITH_SCHEMA's two field orders (wire spec 11) and how the decoder tells them apart. */
class ProduceWithSchemaRequestTest {

    private static ProduceWithSchemaRequest read(PayloadWriter w) {
        return ProduceWithSchemaRequest.read(new PayloadReader(w.toPayload()));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSdkOrderIsRead() {
        ProduceWithSchemaRequest r = read(new PayloadWriter().str16("users").bytes32(utf8("{\"id\":1}"))
                .str16("user-schema"));

        assertEquals(1, r.readings().size());
        assertEquals("user-schema", r.first().schema());
        assertArrayEquals(utf8("{\"id\":1}"), r.first().data());
        assertEquals(ProduceWithSchemaRequest.Layout.SDK, r.first().layout());
    }

    @Test
    void theGoOrderIsRead() {
        ProduceWithSchemaRequest r = read(new PayloadWriter().str16("users").str16("user-schema")
                .bytes32(utf8("{\"id\":1}")));

        assertEquals(1, r.readings().size());
        assertEquals("user-schema", r.first().schema());
        assertArrayEquals(utf8("{\"id\":1}"), r.first().data());
        assertEquals(ProduceWithSchemaRequest.Layout.GO, r.first().layout());
    }

    @Test
    void largeRecordsInEitherOrderAreReadOneWay() {
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        assertEquals(1, read(new PayloadWriter().str16("t").bytes32(big).str16("s")).readings().size());
        assertEquals(1, read(new PayloadWriter().str16("t").str16("s").bytes32(big)).readings().size());
    }

    @Test
    void aPayloadBothOrdersAccountForKeepsBothReadingsSdkFirst() {
        // Go order: name "a", data of 90 368 bytes. Read in the SDK order, 00 01 'a' 00 (the name length, "a" and
        // the data length's high byte) is a data length of 0x0001_6100 = 90 368, which ends three bytes before the
        // payload does: the last data bytes 00 01 'b' then read as a schema-name length and name.
        byte[] data = new byte[90_368];
        java.util.Arrays.fill(data, (byte) 'z');
        data[90_365] = 0;
        data[90_366] = 1;
        data[90_367] = 'b';
        ProduceWithSchemaRequest r = read(new PayloadWriter().str16("t").str16("a").bytes32(data));

        assertEquals(2, r.readings().size());
        assertEquals(ProduceWithSchemaRequest.Layout.SDK, r.readings().get(0).layout());
        assertEquals("b", r.readings().get(0).schema());
        assertEquals(ProduceWithSchemaRequest.Layout.GO, r.readings().get(1).layout());
        assertEquals("a", r.readings().get(1).schema());
        assertArrayEquals(data, r.readings().get(1).data());
    }

    @Test
    void anEmptySchemaNameIsNoReading() {
        // SDK order with an empty schema name; read as Go its name length is 0 too
        assertThrows(MalformedPayloadException.class,
                () -> read(new PayloadWriter().str16("t").bytes32(utf8("v")).str16("")));
    }

    @Test
    void aPayloadThatFitsNeitherOrderIsMalformed() {
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> read(new PayloadWriter().str16("t").u32(100).str16("s")));
        assertEquals(true, e.getMessage().contains("fit neither"), e.getMessage());
    }

    @Test
    void ourClientWritesTheSdkOrder() {
        PayloadWriter w = new PayloadWriter();
        ProduceWithSchemaRequest.of("t", utf8("v"), "s").write(w);

        assertArrayEquals(new PayloadWriter().str16("t").bytes32(utf8("v")).str16("s").toPayload(), w.toPayload());
    }
}
