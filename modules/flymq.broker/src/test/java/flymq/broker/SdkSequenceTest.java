package flymq.broker;

import static flymq.broker.WireClient.payload;
import static flymq.broker.WireClient.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.FrameCodec;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.ProduceResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request sequences of wire spec section 6, as the official Java (J) and Python (P) SDKs put them on the wire,
 * replayed byte for byte against the broker.
 */
class SdkSequenceTest {
    @TempDir
    Path dir;
    TestBroker broker;
    WireClient c;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dir);
        c = broker.client();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        broker.close();
    }

    static byte[] hex(String s) {
        String[] parts = s.replace("|", " ").trim().split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    @Test
    void specProduceExampleBytesAreServed() throws Exception {
        // spec 4.1's example with its header length corrected to the payload's 23 bytes
        c.send(hex("AF 01 01 01 00 00 00 17 | 00 04 74 65 73 74 | 00 00 00 00 | 00 00 00 05 68 65 6C 6C 6F"
                + " | FF FF FF FF"));
        WireClient.Frame f = c.read();
        assertEquals(Opcodes.PRODUCE, f.opcode());
        assertEquals(1, f.flags());
        assertEquals(34, f.payload().length, "RecordMetadata is 30 + topic length bytes");
    }

    @Test
    void specSubscribeExampleBytesAreServed() throws Exception {
        c.createTopic("orders", 1);
        c.send(hex("AF 01 05 01 00 00 00 17 | 00 06 6F 72 64 65 72 73 | 00 02 67 31 | 00 00 00 00"
                + " | 06 63 6F 6D 6D 69 74"));
        WireClient.Frame f = c.read();
        assertEquals(Opcodes.SUBSCRIBE, f.opcode());
        assertArrayEquals(new byte[8], f.payload());
    }

    @Test
    void javaProduceVariants() throws Exception {
        c.createTopic("jp", 4);
        // produce(t, data): key length 0, partition -1
        assertEquals(0, c.produce("jp", null, "a", -1).partition());
        // produceWithKey(t, k, v)
        assertEquals(3, c.produce("jp", "user-123", "b", -1).partition());
        // produceToPartition(t, p, v) and produceWithKeyToPartition: empty key plus the partition
        WireClient.Produced p = c.produce("jp", null, "c", 2);
        assertEquals(2, p.partition());
        assertEquals(-1, p.keySize());
    }

    @Test
    void pythonGzipProduceWithPartition() throws Exception {
        c.createTopic("pp", 2);
        byte[] plain = payload().str16("pp").bytes32(utf8("k")).bytes32(utf8("zipped")).i32(1).toPayload();
        byte[] gz = FrameCodec.gzip(plain, 0, plain.length);
        byte[] frame = new byte[8 + gz.length];
        FrameCodec.encodeHeader(frame, 0, Opcodes.PRODUCE, 0x03, gz.length);
        System.arraycopy(gz, 0, frame, 8, gz.length);
        c.send(frame);
        PayloadReader r = c.read().reader();
        assertEquals("pp", r.str16("t"));
        assertEquals(1, r.i32("p"));
        assertEquals("zipped", c.fetch("pp", 1, 0, 10, "").records().get(0).value());
    }

    /**
     * J {@code produceWithTTL(t, data, ttlMs)} and P {@code produce_with_ttl(t, data, ttl_ms=...)}: the same bytes,
     * {@code str16 topic · bytes32 data · i64 ttl_ms}; RecordMetadata back, the record readable until it expires.
     */
    @Test
    void javaAndPythonProduceWithTtl() throws Exception {
        WireClient.Frame f = c.call(Opcodes.PRODUCE_WITH_TTL,
                hex("00 02 73 74 | 00 00 00 02 68 69 | 00 00 00 00 00 00 EA 60"));
        assertEquals(Opcodes.PRODUCE_WITH_TTL, f.opcode(), f.isError() ? f.errorText() : "");
        ProduceResponse md = ProduceResponse.read(f.reader());
        assertEquals("st", md.topic());
        assertEquals(0, md.partition());
        assertEquals(0, md.offset());
        assertEquals(-1, md.keySize());
        assertEquals(2, md.valueSize());
        assertEquals("hi", c.fetch("st", 0, 0, 10, "").records().get(0).value());
    }

    /**
     * J {@code produceDelayed(t, data, delayMs)} and P {@code produce_delayed(t, data, delay_ms=...)}: {@code str16
     * topic · bytes32 data · i64 delay_ms}. The answer's offset is the schedule's delay id (upstream: 0), its
     * timestamp when the record is due; the record is appended to the topic when it is due.
     */
    @Test
    void javaAndPythonProduceDelayed() throws Exception {
        long before = System.currentTimeMillis();
        WireClient.Frame f = c.call(Opcodes.PRODUCE_DELAYED,
                hex("00 02 73 64 | 00 00 00 02 68 69 | 00 00 00 00 00 00 13 88"));
        long after = System.currentTimeMillis();
        assertEquals(Opcodes.PRODUCE_DELAYED, f.opcode(), f.isError() ? f.errorText() : "");
        ProduceResponse md = ProduceResponse.read(f.reader());
        assertEquals("sd", md.topic());
        assertEquals(0, md.partition());
        assertTrue(md.offset() >= 0, "delay id " + md.offset());
        assertTrue(md.timestamp() >= before + 5000 && md.timestamp() <= after + 5000, "due " + md.timestamp());
        assertEquals(-1, md.keySize());
        assertEquals(2, md.valueSize());
        assertEquals(0, c.fetch("sd", 0, 0, 10, "").records().size(), "not before it is due");

        // delay 0: due at once, appended by the delivery thread
        f = c.call(Opcodes.PRODUCE_DELAYED, hex("00 02 73 64 | 00 00 00 03 6E 6F 77 | 00 00 00 00 00 00 00 00"));
        assertEquals(Opcodes.PRODUCE_DELAYED, f.opcode(), f.isError() ? f.errorText() : "");
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<WireClient.Fetched> got = List.of();
        while (got.isEmpty() && System.nanoTime() < deadline) {
            got = c.fetch("sd", 0, 0, 10, "").records();
            if (got.isEmpty()) {
                Thread.sleep(5);
            }
        }
        assertEquals(List.of("now"), got.stream().map(WireClient.Fetched::value).toList());
    }

    @Test
    void javaConsumerSessionResumesFromItsCommit() throws Exception {
        for (int i = 0; i < 3; i++) {
            c.produce("jc", null, "m" + i, -1);
        }
        long position = c.subscribe("jc", "g", 0, "commit").reader().u64("pos");
        assertEquals(0, position);
        c.commit("jc", "g", 0, position);
        WireClient.FetchResult r = c.fetch("jc", 0, position, 500, "");
        position = r.records().get(r.records().size() - 1).offset() + 1;
        assertEquals(3, position);
        WireClient.FetchResult empty = c.fetch("jc", 0, position, 500, "");
        assertTrue(empty.records().isEmpty());
        c.commit("jc", "g", 0, position);
        assertEquals(3, c.call(Opcodes.GET_OFFSET, payload().str16("jc").str16("g").i32(0)).reader().u64("c"));
        try (WireClient again = broker.client()) {
            assertEquals(3, again.subscribe("jc", "g", 0, "commit").reader().u64("pos"));
            assertEquals(0, again.subscribe("jc", "g", 0, "earliest").reader().u64("pos"), "seekToBeginning");
            assertEquals(3, again.subscribe("jc", "g", 0, "latest").reader().u64("pos"), "seekToEnd");
        }
    }

    @Test
    void javaConsumerGroupSequence() throws Exception {
        c.createTopic("sensors.a", 2);
        for (int i = 0; i < 4; i++) {
            c.produce("sensors.a", null, "r" + i, -1);
        }
        PayloadReader topics = c.call(Opcodes.LIST_TOPICS, new byte[0]).reader();
        assertEquals(1, topics.i32("n"));
        assertEquals("sensors.a", topics.str16("t"));
        PayloadReader md = c.call(Opcodes.CLUSTER_METADATA, payload().str16("sensors.a")).reader();
        md.str16("cluster");
        md.i32("topics");
        md.str16("topic");
        int partitions = md.i32("partitions");
        assertEquals(2, partitions);
        int total = 0;
        for (int p = 0; p < partitions; p++) {
            long pos = c.subscribe("sensors.a", "cg", p, "earliest").reader().u64("pos");
            WireClient.FetchResult r = c.fetch("sensors.a", p, pos, 500, "");
            total += r.records().size();
            long next = r.records().isEmpty() ? pos : r.records().get(r.records().size() - 1).offset() + 1;
            assertArrayEquals(new byte[] {1}, c.commit("sensors.a", "cg", p, next).payload());
            PayloadReader lag = c.call(Opcodes.GET_LAG, payload().str16("sensors.a").str16("cg").i32(p)).reader();
            lag.u64("cur");
            lag.u64("com");
            lag.u64("latest");
            assertEquals(0, lag.u64("lag"));
            WireClient.Frame reset = c.call(Opcodes.RESET_OFFSET,
                    payload().str16("sensors.a").str16("cg").i32(p).str8("earliest").u64(0));
            assertArrayEquals(new byte[] {1}, reset.payload());
        }
        assertEquals(4, total);
    }

    @Test
    void pythonHighLevelConsumerFetchesPartitionZeroByNextOffset() throws Exception {
        for (int i = 0; i < 3; i++) {
            c.produce("ph", null, "m" + i, -1);
        }
        long pos = 0;
        WireClient.FetchResult r = c.fetch("ph", 0, pos, 500, "");
        pos = r.nextOffset();
        assertEquals(3, pos);
        assertArrayEquals(new byte[] {1}, c.commit("ph", "pg", 0, pos).payload());
    }

    @Test
    void pythonConsumerDiscoversPartitionsUntilTheFirstError() throws Exception {
        c.createTopic("disc", 3);
        List<Integer> found = new ArrayList<>();
        for (int p = 0; p < 64; p++) {
            WireClient.Frame f = c.subscribe("disc", "pg", p, "latest");
            if (f.isError()) {
                assertTrue(f.errorText().contains("partition " + p + " not found"), f.errorText());
                break;
            }
            found.add(p);
        }
        assertEquals(List.of(0, 1, 2), found);
    }

    @Test
    void pythonConsumerGroupSequenceWithFilterAndResetWithoutTrailingOffset() throws Exception {
        c.createTopic("pcg", 1);
        c.produce("pcg", null, "{\"kind\":\"a\"}", -1);
        c.produce("pcg", null, "other", -1);
        assertEquals(1, c.call(Opcodes.LIST_TOPICS, new byte[0]).reader().i32("n"));
        assertFalse(c.call(Opcodes.CLUSTER_METADATA, payload().str16("pcg")).isError());
        assertEquals(2, c.subscribe("pcg", "pg", 0, "latest").reader().u64("pos"));
        WireClient.FetchResult r = c.fetch("pcg", 0, 0, 500, "$.kind");
        assertEquals(1, r.records().size());
        assertEquals(2, r.nextOffset());
        c.commit("pcg", "pg", 0, r.nextOffset());
        WireClient.Frame reset = c.call(Opcodes.RESET_OFFSET, payload().str16("pcg").str16("pg").i32(0)
                .str8("offset").u64(1));
        assertArrayEquals(new byte[] {1}, reset.payload());
        PayloadReader lag = c.call(Opcodes.GET_LAG, payload().str16("pcg").str16("pg").i32(0)).reader();
        lag.u64("cur");
        assertEquals(1, lag.u64("committed"));
        assertEquals(2, lag.u64("latest"));
        assertEquals(1, lag.u64("lag"));
    }

    @Test
    void javaListGroupsDecodesWhenThereAreNoGroups() throws Exception {
        assertArrayEquals(new byte[4], c.call(Opcodes.LIST_GROUPS, new byte[0]).payload());
    }

    @Test
    void auditStyleFlagsZeroAreAccepted() throws Exception {
        byte[] frame = new PayloadWriter().toFrame(Opcodes.LIST_TOPICS, 0x00);
        c.send(frame);
        assertEquals(Opcodes.LIST_TOPICS, c.read().opcode());
    }

    @Test
    void authThenWhoAmIAsBothSdksDecodeThem() throws Exception {
        WireClient.Frame auth = c.call(Opcodes.AUTH, payload().str16("bob").str16(""));
        assertEquals(Opcodes.AUTH_RESPONSE, auth.opcode());
        assertArrayEquals(hex("01 00 03 62 6F 62 00 00 00 00 00 00 00 00"), auth.payload());
        WireClient.Frame who = c.call(Opcodes.WHOAMI, new byte[0]);
        assertArrayEquals(hex("01 00 03 62 6F 62 00 00 00 00 00 00 00 00"), who.payload());
    }
}
