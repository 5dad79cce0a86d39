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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every opcode the broker serves, end to end over a real socket. */
class OpcodeEndToEndTest {
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

    @Test
    void produceAutoCreatesTheTopicAndReturnsRecordMetadata() throws Exception {
        WireClient.Frame f = c.call(Opcodes.PRODUCE, payload().str16("test").bytes32(new byte[0])
                .bytes32(utf8("hello")).i32(-1));
        assertEquals(Opcodes.PRODUCE, f.opcode());
        assertEquals(30 + 4, f.payload().length);
        PayloadReader r = f.reader();
        assertEquals("test", r.str16("topic"));
        assertEquals(0, r.i32("partition"));
        assertEquals(0, r.u64("offset"));
        long ts = r.i64("ts");
        assertTrue(Math.abs(System.currentTimeMillis() - ts) < 60_000);
        assertEquals(-1, r.i32("key_size"));
        assertEquals(5, r.i32("value_size"));
        assertEquals(1, c.produce("test", "k", "v", -1).offset());
        assertEquals(1, c.produce("test", "k", "v", -1).keySize());
    }

    @Test
    void produceHonoursAnExplicitPartition() throws Exception {
        c.createTopic("p3", 3);
        assertEquals(2, c.produce("p3", null, "x", 2).partition());
        assertEquals(2, c.produce("p3", "user-123", "x", 2).partition());
        assertEquals(2, c.fetch("p3", 2, 0, 10, "").records().size());
    }

    @Test
    void produceSpreadsKeysByFnvAndKeylessRoundRobin() throws Exception {
        c.createTopic("p6", 6);
        assertEquals(5, c.produce("p6", "user-123", "x", -1).partition());
        assertEquals(4, c.produce("p6", "a", "x", -1).partition());
        List<Integer> rr = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            rr.add(c.produce("p6", null, "x", -1).partition());
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 0), rr);
    }

    @Test
    void gzippedProduceIsInflated() throws Exception {
        byte[] plain = payload().str16("gz").bytes32(new byte[0]).bytes32(utf8("compressed")).i32(-1).toPayload();
        byte[] gz = FrameCodec.gzip(plain, 0, plain.length);
        byte[] frame = new byte[8 + gz.length];
        FrameCodec.encodeHeader(frame, 0, Opcodes.PRODUCE, 0x03, gz.length);
        System.arraycopy(gz, 0, frame, 8, gz.length);
        c.send(frame);
        assertEquals(Opcodes.PRODUCE, c.read().opcode());
        assertEquals("compressed", c.fetch("gz", 0, 0, 10, "").records().get(0).value());
    }

    @Test
    void consumeReturnsKeyAndValueAndEofPastTheEnd() throws Exception {
        c.produce("t", "k1", "v1", -1);
        WireClient.Frame f = c.call(Opcodes.CONSUME, payload().str16("t").i32(0).u64(0));
        PayloadReader r = f.reader();
        assertArrayEquals(utf8("k1"), r.bytes32("key"));
        assertArrayEquals(utf8("v1"), r.bytes32("value"));
        assertTrue(c.call(Opcodes.CONSUME, payload().str16("t").i32(0).u64(1)).errorText().startsWith("EOF"));
        assertEquals(Opcodes.CONSUME_ZERO_COPY,
                c.call(Opcodes.CONSUME_ZERO_COPY, payload().str16("t").i32(0).u64(0)).opcode());
    }

    @Test
    void createTopicIsIdempotentAndRejectsNegativeCounts() throws Exception {
        WireClient.Frame f = c.createTopic("orders", 3);
        assertArrayEquals(new byte[] {1}, f.payload());
        assertArrayEquals(new byte[] {1}, c.createTopic("orders", 5).payload());
        assertTrue(c.createTopic("neg", -1).errorText().contains("partition count"));
        assertTrue(c.createTopic("bad name", 1).errorText().contains("invalid topic name"));
        assertEquals(3, metadataPartitions("orders"));
    }

    @Test
    void createTopicAcceptsOurSettingsBlock() throws Exception {
        WireClient.Frame f = c.call(Opcodes.CREATE_TOPIC, payload().str16("cfg").i32(2).i32(1).i64(60_000)
                .i64(1 << 20).i64(4096).i64(-1));
        assertFalse(f.isError(), () -> f.errorText());
        PayloadReader r = c.call(Opcodes.METADATA, payload().str16("cfg")).reader();
        assertEquals("cfg", r.str16("topic"));
        assertEquals(2, r.i32("partitions"));
        assertEquals(1, r.i32("rf"));
        assertEquals(60_000, r.i64("retention_ms"));
        assertEquals(1 << 20, r.i64("retention_bytes"));
        assertEquals(4096, r.i64("segment_bytes"));
        assertTrue(c.call(Opcodes.CREATE_TOPIC, payload().str16("rf3").i32(1).i32(3).i64(-1).i64(-1).i64(-1)
                .i64(-1)).errorText().contains("replication factor 3"));
    }

    @Test
    void listTopicsIsSortedAndHidesInternalNames() throws Exception {
        c.createTopic("zeta", 1);
        c.createTopic("alpha", 1);
        c.createTopic("__internal", 1);
        PayloadReader r = c.call(Opcodes.LIST_TOPICS, new byte[0]).reader();
        assertEquals(2, r.i32("count"));
        assertEquals("alpha", r.str16("t"));
        assertEquals("zeta", r.str16("t"));
    }

    @Test
    void deleteTopicRemovesItAndIsIdempotent() throws Exception {
        c.produce("gone", null, "x", -1);
        assertArrayEquals(new byte[] {1}, c.call(Opcodes.DELETE_TOPIC, payload().str16("gone")).payload());
        assertArrayEquals(new byte[] {1}, c.call(Opcodes.DELETE_TOPIC, payload().str16("gone")).payload());
        assertTrue(c.call(Opcodes.FETCH, payload().str16("gone").i32(0).u64(0).i32(1).str16(""))
                .errorText().contains("topic not found: gone"));
    }

    @Test
    void fetchReturnsRecordsWithTrueOffsetsAndNextOffset() throws Exception {
        for (int i = 0; i < 5; i++) {
            c.produce("f", null, "v" + i, -1);
        }
        WireClient.FetchResult r = c.fetch("f", 0, 1, 2, "");
        assertEquals(3, r.nextOffset());
        assertEquals(List.of(new WireClient.Fetched(1, "", "v1"), new WireClient.Fetched(2, "", "v2")), r.records());
        WireClient.FetchResult end = c.fetch("f", 0, 5, 10, "");
        assertEquals(5, end.nextOffset());
        assertTrue(end.records().isEmpty());
        assertEquals(5, c.fetch("f", 0, 0, 0, "").records().size(), "max <= 0 means 10");
    }

    @Test
    void fetchBinaryEchoesItsOwnOpcode() throws Exception {
        c.produce("fb", null, "x", -1);
        WireClient.Frame f = c.call(Opcodes.FETCH_BINARY, payload().str16("fb").i32(0).u64(0).i32(5).str16(""));
        assertEquals(Opcodes.FETCH_BINARY, f.opcode());
        assertEquals(1, WireClient.parseFetch(f).records().size());
    }

    @Test
    void fetchWithoutFilterFieldWorks() throws Exception {
        c.produce("nf", null, "x", -1);
        WireClient.Frame f = c.call(Opcodes.FETCH, payload().str16("nf").i32(0).u64(0).i32(5));
        assertEquals(1, WireClient.parseFetch(f).records().size());
    }

    @Test
    void fetchFilterSkipsNonMatchingRecordsButAdvancesNextOffset() throws Exception {
        c.produce("flt", null, "{\"a\":1}", -1);
        c.produce("flt", null, "plain ERROR text", -1);
        c.produce("flt", null, "nothing", -1);
        WireClient.FetchResult json = c.fetch("flt", 0, 0, 10, "$.a");
        assertEquals(List.of(0L), json.records().stream().map(WireClient.Fetched::offset).toList());
        assertEquals(3, json.nextOffset());
        assertEquals(List.of(1L), c.fetch("flt", 0, 0, 10, "error").records().stream()
                .map(WireClient.Fetched::offset).toList());
        assertEquals(List.of(2L), c.fetch("flt", 0, 0, 10, "^no.*g$").records().stream()
                .map(WireClient.Fetched::offset).toList());
        WireClient.FetchResult none = c.fetch("flt", 0, 0, 10, "zzz");
        assertTrue(none.records().isEmpty());
        assertEquals(3, none.nextOffset());
    }

    @Test
    void fetchStopsAfterScanningAThousandRecords() throws Exception {
        byte[] frames = pipelinedProduces("scan", 1200);
        c.send(frames);
        for (int i = 0; i < 1200; i++) {
            c.read();
        }
        WireClient.FetchResult r = c.fetch("scan", 0, 0, 10, "no-such-text");
        assertEquals(1000, r.nextOffset());
    }

    @Test
    void fetchResponseStaysBelowThirtyTwoMebibytes() throws Exception {
        byte[] big = new byte[6 << 20];
        for (int i = 0; i < 7; i++) {
            WireClient.Frame f = c.call(Opcodes.PRODUCE, payload().str16("big").bytes32(null).bytes32(big).i32(-1));
            assertEquals(Opcodes.PRODUCE, f.opcode());
        }
        WireClient.Frame f = c.call(Opcodes.FETCH, payload().str16("big").i32(0).u64(0).i32(100).str16(""));
        assertTrue(f.payload().length <= FrameCodec.MAX_PAYLOAD);
        WireClient.FetchResult r = WireClient.parseFetch(f);
        assertEquals(5, r.records().size());
        assertEquals(5, r.nextOffset());
    }

    @Test
    void subscribeModesReturnPositions() throws Exception {
        c.createTopic("s", 1);
        assertEquals(0, c.subscribe("s", "g", 0, "latest").reader().u64("o"), "latest on empty partition is 0");
        c.produce("s", null, "a", -1);
        c.produce("s", null, "b", -1);
        assertEquals(0, c.subscribe("s", "g", 0, "earliest").reader().u64("o"));
        assertEquals(2, c.subscribe("s", "g", 0, "latest").reader().u64("o"));
        assertEquals(2, c.subscribe("s", "g", 0, "").reader().u64("o"));
        assertEquals(0, c.subscribe("s", "g", 0, "commit").reader().u64("o"), "no commit falls back to earliest");
        c.commit("s", "g", 0, 1);
        assertEquals(1, c.subscribe("s", "g", 0, "commit").reader().u64("o"));
        assertTrue(c.subscribe("s", "g", 0, "middle").errorText().contains("unknown subscribe mode: middle"));
        assertTrue(c.subscribe("s", "g", 1, "latest").errorText().contains("partition 1 not found"));
        assertTrue(c.subscribe("nope", "g", 0, "latest").errorText().contains("topic not found: nope"));
    }

    @Test
    void commitAndGetOffset() throws Exception {
        assertTrue(c.call(Opcodes.GET_OFFSET, payload().str16("t").str16("g").i32(0)).errorText()
                .contains("consumer group not found: t:g"));
        for (int i = 0; i < 42; i++) {
            c.produce("t", null, "x", 0);
        }
        assertArrayEquals(new byte[] {1}, c.commit("t", "g", 0, 42).payload());
        assertEquals(42, c.call(Opcodes.GET_OFFSET, payload().str16("t").str16("g").i32(0)).reader().u64("o"));
        assertEquals(0, c.call(Opcodes.GET_OFFSET, payload().str16("t").str16("g").i32(3)).reader().u64("o"));
    }

    @Test
    void resetOffsetModes() throws Exception {
        c.createTopic("r", 1);
        for (int i = 0; i < 3; i++) {
            c.produce("r", null, "x", -1);
        }
        reset("r", "g", "latest", null);
        assertEquals(3, committed("r", "g"));
        reset("r", "g", "earliest", null);
        assertEquals(0, committed("r", "g"));
        reset("r", "g", "offset", 2L);
        assertEquals(2, committed("r", "g"));
        reset("r", "g", "timestamp", 0L);
        assertEquals(0, committed("r", "g"));
        reset("r", "g", "timestamp", Long.MAX_VALUE);
        assertEquals(3, committed("r", "g"));
        WireClient.Frame bad = c.call(Opcodes.RESET_OFFSET, payload().str16("r").str16("g").i32(0).str8("sideways"));
        assertTrue(bad.errorText().contains("unknown reset mode: sideways"));
    }

    @Test
    void resetOffsetIgnoresTheJavaSdksTrailingOffset() throws Exception {
        c.createTopic("rj", 1);
        c.produce("rj", null, "x", -1);
        WireClient.Frame f = c.call(Opcodes.RESET_OFFSET,
                payload().str16("rj").str16("g").i32(0).str8("latest").u64(0));
        assertArrayEquals(new byte[] {1}, f.payload());
        assertEquals(1, committed("rj", "g"));
    }

    @Test
    void getLagIsEndMinusCommitted() throws Exception {
        c.createTopic("l", 1);
        for (int i = 0; i < 5; i++) {
            c.produce("l", null, "x", -1);
        }
        c.commit("l", "g", 0, 2);
        WireClient.Frame f = c.call(Opcodes.GET_LAG, payload().str16("l").str16("g").i32(0));
        assertEquals(32, f.payload().length);
        PayloadReader r = f.reader();
        assertEquals(2, r.u64("current"));
        assertEquals(2, r.u64("committed"));
        assertEquals(5, r.u64("latest"));
        assertEquals(3, r.u64("lag"));
        c.commit("l", "g", 0, 5);
        PayloadReader r2 = c.call(Opcodes.GET_LAG, payload().str16("l").str16("g").i32(0)).reader();
        r2.u64("c");
        r2.u64("c");
        r2.u64("l");
        assertEquals(0, r2.u64("lag"), "caught up: lag 0");
    }

    @Test
    void listGroupsUsesTheGoAndPythonLayout() throws Exception {
        c.createTopic("lg", 2);
        for (int i = 0; i < 7; i++) {
            c.produce("lg", null, "x", 1);
        }
        c.subscribe("lg", "g1", 0, "earliest");
        c.commit("lg", "g1", 1, 7);
        PayloadReader r = c.call(Opcodes.LIST_GROUPS, new byte[0]).reader();
        assertEquals(1, r.i32("n"));
        assertEquals("lg", r.str16("topic"));
        assertEquals("g1", r.str16("group"));
        assertEquals(1, r.i32("members"));
        assertEquals(1, r.i32("offsets"));
        assertEquals(1, r.i32("partition"));
        assertEquals(7, r.u64("offset"));
        assertFalse(r.hasRemaining());
    }

    @Test
    void describeGroupAnswersEachSdkInItsLayout() throws Exception {
        c.createTopic("dg", 1);
        for (int i = 0; i < 3; i++) {
            c.produce("dg", null, "x", 0);
        }
        c.subscribe("dg", "g1", 0, "earliest");
        c.commit("dg", "g1", 0, 3);
        PayloadReader p = c.call(Opcodes.DESCRIBE_GROUP, payload().str16("dg").str16("g1")).reader();
        assertEquals("dg", p.str16("t"));
        assertEquals("g1", p.str16("g"));
        assertEquals(1, p.i32("members"));
        assertEquals(1, p.i32("n"));
        assertEquals(0, p.i32("p"));
        assertEquals(3, p.u64("o"));
        PayloadReader j = c.call(Opcodes.DESCRIBE_GROUP, payload().str16("g1")).reader();
        assertEquals("g1", j.str16("group"));
        assertEquals("Stable", j.str16("state"));
        assertEquals(1, j.i32("members"));
        j.str16("member");
        assertEquals(1, j.i32("topics"));
        assertEquals("dg", j.str16("topic"));
        assertEquals("test-node", j.str16("coordinator"));
        assertTrue(c.call(Opcodes.DESCRIBE_GROUP, payload().str16("dg").str16("nope")).errorText()
                .contains("consumer group not found: dg:nope"));
    }

    @Test
    void deleteGroupInBothLayouts() throws Exception {
        c.produce("a", null, "x", 0);
        c.produce("b", null, "x", 0);
        c.commit("a", "g", 0, 1);
        c.commit("b", "g", 0, 1);
        c.commit("a", "h", 0, 1);
        assertArrayEquals(new byte[] {1}, c.call(Opcodes.DELETE_GROUP, payload().str16("a").str16("h")).payload());
        assertTrue(c.call(Opcodes.GET_OFFSET, payload().str16("a").str16("h").i32(0)).isError());
        assertArrayEquals(new byte[] {1}, c.call(Opcodes.DELETE_GROUP, payload().str16("g")).payload());
        assertTrue(c.call(Opcodes.GET_OFFSET, payload().str16("a").str16("g").i32(0)).isError());
        assertTrue(c.call(Opcodes.GET_OFFSET, payload().str16("b").str16("g").i32(0)).isError());
        assertTrue(c.call(Opcodes.DELETE_GROUP, payload().str16("g")).errorText().contains("not found"));
    }

    @Test
    void seekToTimestampFindsTheFirstRecordAtOrAfter() throws Exception {
        long t0 = c.produce("ts", null, "a", -1).timestamp();
        Thread.sleep(5);
        long t1 = c.produce("ts", null, "b", -1).timestamp();
        assertTrue(t1 > t0);
        assertEquals(0, seek("ts", 0));
        assertEquals(1, seek("ts", t1));
        assertEquals(2, seek("ts", t1 + 1));
    }

    @Test
    void metadataDescribesATopicWithAJavaReadablePrefix() throws Exception {
        c.createTopic("m", 2);
        c.produce("m", null, "x", 1);
        PayloadReader r = c.call(Opcodes.METADATA, payload().str16("m")).reader();
        assertEquals("m", r.str16("t"));
        assertEquals(2, r.i32("partitions"));
        assertEquals(1, r.i32("rf"));
        for (int i = 0; i < 5; i++) {
            r.i64("settings");
        }
        assertEquals(2, r.i32("n"));
        assertEquals(0, r.i32("p"));
        assertEquals("test-node", r.str16("leader"));
        assertEquals(0, r.u64("start"));
        assertEquals(0, r.u64("end"));
        r.u64("size");
        r.i32("segments");
        assertEquals(1, r.i32("p"));
        r.str16("leader");
        assertEquals(0, r.u64("start"));
        assertEquals(1, r.u64("end"));
        assertTrue(c.call(Opcodes.METADATA, payload().str16("none")).errorText().contains("topic not found"));
    }

    @Test
    void clusterStatusDescribesTheSingleNode() throws Exception {
        c.createTopic("cs", 3);
        PayloadReader r = c.call(Opcodes.CLUSTER_STATUS, new byte[0]).reader();
        assertEquals("standalone", r.str16("cluster"));
        assertEquals("test-node", r.str16("node"));
        assertEquals("test-node", r.str16("controller"));
        r.u64("term");
        assertTrue(r.bool("ready"));
        assertEquals(1, r.i32("nodes"));
        assertEquals("test-node", r.str16("id"));
        assertEquals("127.0.0.1:" + broker.port(), r.str16("addr"));
        r.str16("cluster_addr");
        assertEquals("online", r.str16("state"));
        assertTrue(r.bool("leader"));
        assertEquals(1, r.i32("topics"));
        assertEquals(3, r.i32("partitions"));
    }

    @Test
    void clusterMetadataListsPartitionsAndLeaders() throws Exception {
        c.createTopic("cm", 2);
        c.createTopic("other", 1);
        PayloadReader r = c.call(Opcodes.CLUSTER_METADATA, payload().str16("cm")).reader();
        assertEquals("standalone", r.str16("cluster"));
        assertEquals(1, r.i32("topics"));
        assertEquals("cm", r.str16("topic"));
        assertEquals(2, r.i32("partitions"));
        for (int p = 0; p < 2; p++) {
            assertEquals(p, r.i32("p"));
            assertEquals("test-node", r.str16("leader_id"));
            assertEquals("127.0.0.1:" + broker.port(), r.str16("leader_addr"));
            assertEquals(1, r.u64("epoch"));
            assertEquals("online", r.str16("state"));
            assertEquals(1, r.i32("replicas"));
            assertEquals("test-node", r.str16("replica"));
            assertEquals(1, r.i32("isr"));
            assertEquals("test-node", r.str16("isr"));
        }
        PayloadReader all = c.call(Opcodes.CLUSTER_METADATA, payload().str16("")).reader();
        all.str16("cluster");
        assertEquals(2, all.i32("topics"), "an empty topic means all topics");
        PayloadReader empty = c.call(Opcodes.CLUSTER_METADATA, new byte[0]).reader();
        empty.str16("cluster");
        assertEquals(2, empty.i32("topics"), "an empty payload means all topics");
        assertTrue(c.call(Opcodes.CLUSTER_METADATA, payload().str16("zz")).errorText()
                .contains("topic not found: zz"));
    }

    @Test
    void authSucceedsWithAuthDisabledAndWhoAmIReportsTheBinding() throws Exception {
        PayloadReader anon = c.call(Opcodes.WHOAMI, new byte[0]).reader();
        assertFalse(anon.bool("authenticated"));
        assertEquals("", anon.str16("user"));
        assertEquals(0, anon.i32("roles"));
        assertEquals(0, anon.i32("perms"));
        WireClient.Frame auth = c.call(Opcodes.AUTH, payload().str16("alice").str16("secret"));
        assertEquals(Opcodes.AUTH_RESPONSE, auth.opcode());
        PayloadReader r = auth.reader();
        assertTrue(r.bool("ok"));
        assertEquals("alice", r.str16("user"));
        assertEquals(0, r.i32("roles"));
        assertEquals(0, r.i32("perms"));
        assertFalse(r.hasRemaining());
        WireClient.Frame who = c.call(Opcodes.WHOAMI, new byte[0]);
        assertEquals(Opcodes.WHOAMI_RESPONSE, who.opcode());
        PayloadReader w = who.reader();
        assertTrue(w.bool("authenticated"));
        assertEquals("alice", w.str16("user"));
    }

    // ---- helpers ----

    static byte[] pipelinedProduces(String topic, int n) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            all.writeBytes(new PayloadWriter().str16(topic).bytes32(null).bytes32(utf8("m" + i)).i32(-1)
                    .toFrame(Opcodes.PRODUCE, 1));
        }
        return all.toByteArray();
    }

    private int metadataPartitions(String topic) throws Exception {
        PayloadReader r = c.call(Opcodes.METADATA, payload().str16(topic)).reader();
        r.str16("t");
        return r.i32("partitions");
    }

    private void reset(String topic, String group, String mode, Long value) throws Exception {
        PayloadWriter w = payload().str16(topic).str16(group).i32(0).str8(mode);
        if (value != null) {
            w.u64(value);
        }
        WireClient.Frame f = c.call(Opcodes.RESET_OFFSET, w);
        assertFalse(f.isError(), () -> f.errorText());
    }

    private long committed(String topic, String group) throws Exception {
        return c.call(Opcodes.GET_OFFSET, payload().str16(topic).str16(group).i32(0)).reader().u64("o");
    }

    private long seek(String topic, long ts) throws Exception {
        return c.call(Opcodes.SEEK_TO_TIMESTAMP, payload().str16(topic).i32(0).i64(ts)).reader().u64("o");
    }
}
