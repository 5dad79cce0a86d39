package flymq.broker;

import static flymq.broker.SdkSequenceTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead-letter queue opcodes 0x20-0x22 (wire spec 11) as the official SDKs put them on the wire (Java
 * {@code BinaryProtocol.encodeDLQRequest}, {@code encodeReplayDLQRequest}, {@code encodeReInjectDLQRequest},
 * {@code encodePurgeDLQRequest}; Python {@code encode_fetch_dlq_request}, {@code encode_replay_dlq_request},
 * {@code encode_re_inject_dlq_request}, {@code encode_purge_dlq_request}) and the answers decoded as they decode
 * them. The queue of topic {@code t} holds one dead letter (id "0"), made with our DLQ_NACK.
 */
class DlqSdkSequenceTest {
    @TempDir
    Path dir;
    TestBroker broker;
    WireClient c;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dir, "dlq.enabled", "true", "dlq.max_retries", "0");
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + broker.port())) {
            client.produce("t", "poison".getBytes(StandardCharsets.UTF_8));
            assertEquals("0", client.nack("g", "t", 0, 0, "boom").dlqId());
        }
        c = broker.client();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        broker.close();
    }

    @Test
    void fetchAsBothSdksSendItAndDecodeIt() throws Exception {
        // fetchDLQ("t", 10) / fetch_dlq("t", max_messages=10): 00 01 't' | 00 00 00 0A
        WireClient.Frame f = c.call(Opcodes.FETCH_DLQ, hex("00 01 74 | 00 00 00 0A"));
        assertEquals(Opcodes.FETCH_DLQ, f.opcode(), () -> f.isError() ? f.errorText() : "");
        // u32 n · (str16 id · bytes32 data · str16 error · i32 retries)
        assertArrayEquals(hex("00 00 00 01 | 00 01 30 | 00 00 00 06 70 6F 69 73 6F 6E | 00 04 62 6F 6F 6D"
                + " | 00 00 00 00"), f.payload());
    }

    @Test
    void replayInTheIdFormAnswersBoolAndStr16() throws Exception {
        // replayDLQ("t", "0") / replay_dlq("t", "0"): 00 01 't' | 00 01 '0'
        WireClient.Frame f = c.call(Opcodes.REPLAY_DLQ, hex("00 01 74 | 00 01 30"));
        assertEquals(Opcodes.REPLAY_DLQ, f.opcode(), () -> f.isError() ? f.errorText() : "");
        PayloadReader r = f.reader();
        assertTrue(r.bool("success"));
        String message = r.str16("message");
        assertTrue(message.startsWith("replayed dead letter 0 to t"), message);
        assertFalse(r.hasRemaining());
    }

    @Test
    void replayInTheOffsetFormAnswersBoolAndU32LengthAsTheSdksDecodeIt() throws Exception {
        // reInjectDLQ("t", 0) / re_inject_dlq("t", 0): 00 01 't' | 00 00 00 00 00 00 00 00
        WireClient.Frame f = c.call(Opcodes.REPLAY_DLQ, hex("00 01 74 | 00 00 00 00 00 00 00 00"));
        assertEquals(Opcodes.REPLAY_DLQ, f.opcode(), () -> f.isError() ? f.errorText() : "");
        ByteBuffer b = ByteBuffer.wrap(f.payload()); // decodeSuccessResponse / decode_success_response
        assertEquals(1, b.get());
        byte[] text = new byte[b.getInt()];
        b.get(text);
        assertTrue(new String(text, StandardCharsets.UTF_8).startsWith("replayed dead letter 0"));
        assertFalse(b.hasRemaining());
        // the same dead letter by its id: already replayed, nothing copied twice
        WireClient.Frame again = c.call(Opcodes.REPLAY_DLQ, hex("00 01 74 | 00 01 30"));
        PayloadReader r = again.reader();
        assertTrue(r.bool("success"));
        assertTrue(r.str16("message").startsWith("already replayed"));
    }

    @Test
    void anIdOfSixCharactersIsTheIdFormAlthoughItFillsEightBytes() throws Exception {
        // replay_dlq("t", "abcdef"): 00 01 't' | 00 06 'abcdef' — eight bytes after the topic, like an offset
        WireClient.Frame f = c.call(Opcodes.REPLAY_DLQ, hex("00 01 74 | 00 06 61 62 63 64 65 66"));
        PayloadReader r = f.reader();
        assertFalse(r.bool("success"));
        assertTrue(r.str16("message").contains("'abcdef'"));
        assertFalse(r.hasRemaining());
    }

    @Test
    void purgeAsBothSdksSendIt() throws Exception {
        // purgeDLQ("t") / purge_dlq("t"): 00 01 't'
        WireClient.Frame f = c.call(Opcodes.PURGE_DLQ, hex("00 01 74"));
        assertEquals(Opcodes.PURGE_DLQ, f.opcode(), () -> f.isError() ? f.errorText() : "");
        PayloadReader r = f.reader();
        assertTrue(r.bool("success"));
        assertTrue(r.str16("message").startsWith("purged queue t.dlq (1 dead letter)"));
        WireClient.Frame empty = c.call(Opcodes.FETCH_DLQ, hex("00 01 74 | 00 00 00 0A"));
        assertArrayEquals(hex("00 00 00 00"), empty.payload());
    }

    @Test
    void nackIsOurExtension() throws Exception {
        // DLQ_NACK: str16 group · str16 topic · i32 partition · u64 offset · str16 error
        WireClient.Frame f = c.call(ExtensionOpcodes.DLQ_NACK, hex("00 01 67 | 00 01 74 | 00 00 00 00"
                + " | 00 00 00 00 00 00 00 00 | 00 04 62 6F 6F 6D"));
        assertEquals(ExtensionOpcodes.DLQ_NACK, f.opcode(), () -> f.isError() ? f.errorText() : "");
        PayloadReader r = f.reader(); // bool dead_lettered · i32 failures · i64 retry_at_ms · str16 dlq_id
        assertTrue(r.bool("dead_lettered"));
        assertEquals(1, r.i32("failures"));
        assertEquals(0, r.i64("retry_at_ms"));
        assertEquals("0", r.str16("dlq_id"));
        WireClient.Frame missing = c.call(ExtensionOpcodes.DLQ_NACK, hex("00 01 67 | 00 01 74 | 00 00 00 00"
                + " | 00 00 00 00 00 00 00 09 | 00 00"));
        assertTrue(missing.isError());
        assertTrue(missing.errorText().contains("no record at offset 9 of t partition 0"), missing.errorText());
    }

    /**
     * The Java SDK's {@code examples/core/DLQExample.java} (which cannot run as shipped: the SDK does not compile at
     * upstream HEAD, docs/protocol.md) as its calls put it on the wire: fetch 10, fetch 100, fetch 1 and replay the
     * first by id, purge. {@code sendBinaryRequest} fails only on an ERROR frame; it does not read replay's or purge's
     * body.
     */
    @Test
    void theJavaSdksDlqExampleFlow() throws Exception {
        for (String max : new String[] {"00 00 00 0A", "00 00 00 64", "00 00 00 01"}) {
            WireClient.Frame f = c.call(Opcodes.FETCH_DLQ, hex("00 01 74 | " + max));
            assertEquals(Opcodes.FETCH_DLQ, f.opcode(), () -> f.isError() ? f.errorText() : "");
            ByteBuffer b = ByteBuffer.wrap(f.payload()); // decodeDLQResponse
            assertEquals(1, b.getInt());
            byte[] id = new byte[b.getShort()];
            b.get(id);
            assertEquals("0", new String(id, StandardCharsets.UTF_8));
        }
        WireClient.Frame replay = c.call(Opcodes.REPLAY_DLQ, hex("00 01 74 | 00 01 30"));
        assertEquals(Opcodes.REPLAY_DLQ, replay.opcode(), () -> replay.isError() ? replay.errorText() : "");
        WireClient.Frame purge = c.call(Opcodes.PURGE_DLQ, hex("00 01 74"));
        assertEquals(Opcodes.PURGE_DLQ, purge.opcode(), () -> purge.isError() ? purge.errorText() : "");
        assertArrayEquals(hex("00 00 00 00"), c.call(Opcodes.FETCH_DLQ, hex("00 01 74 | 00 00 00 0A")).payload());
    }
}
