package flymq.broker;

import static flymq.broker.WireClient.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.FrameCodec;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wire spec 1.4 row by row, plus truncated fields, wrong inner lengths, unknown names and absurd counts. */
class BadInputTest {
    @TempDir
    Path dir;
    TestBroker broker;
    WireClient c;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dir);
        c = broker.client();
        c.createTopic("t", 2);
        c.produce("t", null, "x", 0);
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        broker.close();
    }

    /** A valid request for every opcode that takes a payload. */
    static Map<Integer, PayloadWriter> samples() {
        return Map.ofEntries(
                Map.entry(Opcodes.PRODUCE, payload().str16("t").bytes32(new byte[] {1}).bytes32(new byte[] {2})
                        .i32(-1)),
                Map.entry(Opcodes.CONSUME, payload().str16("t").i32(0).u64(0)),
                Map.entry(Opcodes.CREATE_TOPIC, payload().str16("t").i32(2)),
                Map.entry(Opcodes.METADATA, payload().str16("t")),
                Map.entry(Opcodes.SUBSCRIBE, payload().str16("t").str16("g").i32(0).str8("earliest")),
                Map.entry(Opcodes.COMMIT, payload().str16("t").str16("g").i32(0).u64(1)),
                Map.entry(Opcodes.FETCH, payload().str16("t").i32(0).u64(0).i32(5).str16("")),
                Map.entry(Opcodes.DELETE_TOPIC, payload().str16("zz")),
                Map.entry(Opcodes.CONSUME_ZERO_COPY, payload().str16("t").i32(0).u64(0)),
                Map.entry(Opcodes.FETCH_BINARY, payload().str16("t").i32(0).u64(0).i32(5).str16("")),
                Map.entry(Opcodes.CLUSTER_METADATA, payload().str16("t")),
                Map.entry(Opcodes.GET_OFFSET, payload().str16("t").str16("g").i32(0)),
                Map.entry(Opcodes.RESET_OFFSET, payload().str16("t").str16("g").i32(0).str8("offset").u64(0)),
                Map.entry(Opcodes.DESCRIBE_GROUP, payload().str16("t").str16("g")),
                Map.entry(Opcodes.GET_LAG, payload().str16("t").str16("g").i32(0)),
                Map.entry(Opcodes.DELETE_GROUP, payload().str16("t").str16("nothing")),
                Map.entry(Opcodes.SEEK_TO_TIMESTAMP, payload().str16("t").i32(0).i64(0)),
                Map.entry(Opcodes.AUTH, payload().str16("u").str16("p")));
    }

    private void assertStillUsable(WireClient client) throws Exception {
        WireClient.Frame f = client.call(Opcodes.LIST_TOPICS, new byte[0]);
        assertEquals(Opcodes.LIST_TOPICS, f.opcode());
    }

    private static byte[] header(int magic, int version, int opcode, long length) {
        byte[] h = new byte[8];
        h[0] = (byte) magic;
        h[1] = (byte) version;
        h[2] = (byte) opcode;
        h[3] = 1;
        h[4] = (byte) (length >>> 24);
        h[5] = (byte) (length >>> 16);
        h[6] = (byte) (length >>> 8);
        h[7] = (byte) length;
        return h;
    }

    @Test
    void badMagicClosesWithoutAResponse() throws Exception {
        c.send(header(0xAE, 1, Opcodes.LIST_TOPICS, 0));
        assertTrue(c.closedByBroker());
    }

    @Test
    void badVersionClosesWithoutAResponse() throws Exception {
        c.send(header(0xAF, 2, Opcodes.LIST_TOPICS, 0));
        assertTrue(c.closedByBroker());
    }

    @Test
    void oversizeLengthIsAnsweredWithAnErrorNamingTheLimitThenClosedBeforeThePayloadIsRead() throws Exception {
        c.send(header(0xAF, 1, Opcodes.PRODUCE, FrameCodec.MAX_PAYLOAD + 1L));
        WireClient.Frame f = c.read();
        assertEquals(Opcodes.ERROR, f.opcode());
        assertEquals("frame payload of 33554433 bytes exceeds the maximum of 33554432", f.errorText());
        assertTrue(c.closedByBroker());
        try (WireClient other = broker.client()) {
            other.send(header(0xAF, 1, Opcodes.PRODUCE, 0xFFFF_FFFFL));
            assertEquals("frame payload of 4294967295 bytes exceeds the maximum of 33554432", other.read().errorText());
            assertTrue(other.closedByBroker());
        }
    }

    @Test
    void eofInsideHeaderOrPayloadClosesOnlyThatConnection() throws Exception {
        try (WireClient a = broker.client(); WireClient b = broker.client()) {
            a.send(new byte[] {(byte) 0xAF, 1, 1});
            a.socket.shutdownOutput();
            assertTrue(a.closedByBroker());
            b.send(header(0xAF, 1, Opcodes.PRODUCE, 100));
            b.send(new byte[10]);
            b.socket.shutdownOutput();
            assertTrue(b.closedByBroker());
        }
        assertStillUsable(c);
    }

    @Test
    void unknownOpcodeGetsAStructuredErrorAndTheConnectionStaysOpen() throws Exception {
        WireClient.Frame f = c.call(0x3E, new byte[0]);
        assertEquals(Opcodes.ERROR, f.opcode());
        assertEquals(1, f.flags());
        assertArrayEquals(new byte[] {0, 0, 0, 1}, Arrays.copyOf(f.payload(), 4));
        assertEquals("unknown opcode: 62", f.errorText());
        assertEquals("unknown opcode: 255", c.call(0xFF, new byte[0]).errorText());
        assertStillUsable(c);
    }

    @Test
    void everyTruncationOfEveryRequestGetsAnErrorOrAnAnswerAndTheConnectionSurvives() throws Exception {
        for (Map.Entry<Integer, PayloadWriter> e : samples().entrySet()) {
            byte[] full = e.getValue().toPayload();
            for (int len = 0; len < full.length; len++) {
                WireClient.Frame f = c.call(e.getKey(), Arrays.copyOf(full, len));
                int expected = e.getKey() == Opcodes.AUTH ? Opcodes.AUTH_RESPONSE : e.getKey();
                assertTrue(f.opcode() == Opcodes.ERROR || f.opcode() == expected,
                        Opcodes.name(e.getKey()) + " truncated to " + len + " answered " + f.opcode());
            }
        }
        assertStillUsable(c);
        assertEquals("x", c.fetch("t", 0, 0, 10, "").records().get(0).value());
    }

    @Test
    void truncatedProduceNamesTheMissingField() throws Exception {
        WireClient.Frame f = c.call(Opcodes.PRODUCE, payload().str16("t").i32(0).toPayload());
        assertTrue(f.errorText().contains("value"), f.errorText());
    }

    @Test
    void innerLengthsThatOverrunThePayloadAreErrors() throws Exception {
        assertTrue(c.call(Opcodes.PRODUCE, new byte[] {0, 50, 't'}).errorText().contains("topic"));
        byte[] bigValue = payload().str16("t").bytes32(new byte[0]).i32(1_000_000).toPayload();
        assertTrue(c.call(Opcodes.PRODUCE, bigValue).errorText().contains("value"));
        byte[] hugeKey = payload().str16("t").i32(0xFFFF_FFF0).toPayload();
        assertTrue(c.call(Opcodes.PRODUCE, hugeKey).errorText().contains("key"));
        assertTrue(c.call(Opcodes.SUBSCRIBE, payload().str16("t").str16("g").i32(0).u8(9).toPayload())
                .errorText().contains("mode"));
        assertStillUsable(c);
    }

    @Test
    void trailingBytesAfterARequestAreIgnored() throws Exception {
        WireClient.Frame f = c.call(Opcodes.GET_LAG, payload().str16("t").str16("g").i32(0).u64(99));
        assertTrue(f.errorText().contains("consumer group not found"));
        c.commit("t", "g", 0, 1);
        f = c.call(Opcodes.GET_OFFSET, payload().str16("t").str16("g").i32(0).i64(-1).i64(-1));
        assertEquals(1, f.reader().u64("o"));
    }

    @Test
    void fetchFilterWhoseLengthOverrunsIsIgnored() throws Exception {
        byte[] p = payload().str16("t").i32(0).u64(0).i32(5).u16(300).toPayload();
        assertEquals(1, WireClient.parseFetch(c.call(Opcodes.FETCH, p)).records().size());
    }

    @Test
    void unknownTopicsAreReportedByName() throws Exception {
        assertTrue(c.call(Opcodes.FETCH, payload().str16("nope").i32(0).u64(0).i32(1).str16("")).errorText()
                .contains("topic not found: nope"));
        assertTrue(c.call(Opcodes.CONSUME, payload().str16("nope").i32(0).u64(0)).errorText()
                .contains("topic not found: nope"));
        assertTrue(c.call(Opcodes.SEEK_TO_TIMESTAMP, payload().str16("nope").i32(0).i64(0)).errorText()
                .contains("topic not found: nope"));
        assertTrue(c.call(Opcodes.RESET_OFFSET, payload().str16("nope").str16("g").i32(0).str8("earliest"))
                .errorText().contains("topic not found: nope"));
    }

    @Test
    void partitionsOutOfRangeOrNegativeAreErrorsNotCrashes() throws Exception {
        assertTrue(c.call(Opcodes.FETCH, payload().str16("t").i32(2).u64(0).i32(1).str16("")).errorText()
                .contains("partition 2 not found"));
        assertTrue(c.call(Opcodes.FETCH, payload().str16("t").i32(-1).u64(0).i32(1).str16("")).errorText()
                .contains("invalid partition -1"));
        assertTrue(c.call(Opcodes.CONSUME, payload().str16("t").i32(-5).u64(0)).errorText()
                .contains("invalid partition -5"));
        assertTrue(c.call(Opcodes.PRODUCE, payload().str16("t").bytes32(null).bytes32(new byte[1]).i32(7))
                .errorText().contains("partition 7 not found"));
        assertTrue(c.call(Opcodes.PRODUCE, payload().str16("t").bytes32(null).bytes32(new byte[1]).i32(-2))
                .errorText().contains("invalid partition -2"));
        assertTrue(c.commit("t", "g", -1, 0).errorText().contains("invalid partition -1"));
        assertTrue(c.subscribe("t", "g", -1, "earliest").errorText().contains("invalid partition -1"));
        assertStillUsable(c);
    }

    @Test
    void hugeCountsAreRejected() throws Exception {
        assertTrue(c.createTopic("many", Integer.MAX_VALUE).errorText().contains("partition count"));
        assertTrue(c.createTopic("many", Integer.MIN_VALUE).errorText().contains("partition count"));
        assertFalse(c.call(Opcodes.LIST_TOPICS, new byte[0]).isError());
        assertTrue(c.call(Opcodes.FETCH, payload().str16("t").i32(0).u64(-1L).i32(Integer.MAX_VALUE).str16(""))
                .reader().i32("count") == 0);
    }

    @Test
    void invalidGzipIsAnErrorAndTheConnectionStaysOpen() throws Exception {
        byte[] junk = {1, 2, 3, 4, 5, 6};
        byte[] frame = new byte[8 + junk.length];
        FrameCodec.encodeHeader(frame, 0, Opcodes.PRODUCE, 0x03, junk.length);
        System.arraycopy(junk, 0, frame, 8, junk.length);
        c.send(frame);
        assertTrue(c.read().errorText().contains("gzip"));
        assertStillUsable(c);
    }

    @Test
    void produceToAnInvalidTopicNameIsRejected() throws Exception {
        WireClient.Frame f = c.call(Opcodes.PRODUCE, payload().str16("a b").bytes32(null).bytes32(new byte[1])
                .i32(-1));
        assertTrue(f.errorText().contains("invalid topic name"), f.errorText());
    }

    @Test
    void autoCreateCanBeTurnedOff() throws Exception {
        try (TestBroker strict = TestBroker.start(dir.resolve("strict"), "auto_create_topics", "false");
             WireClient s = strict.client()) {
            WireClient.Frame f = s.call(Opcodes.PRODUCE, payload().str16("new").bytes32(null).bytes32(new byte[1])
                    .i32(-1));
            assertTrue(f.errorText().contains("topic not found: new"), f.errorText());
        }
    }
}
