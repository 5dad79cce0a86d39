package flymq.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every message type: what it writes, it reads back, field by field and byte for byte. */
class MessageRoundTripTest {

    static byte[] bytes(WireMessage m) {
        PayloadWriter w = new PayloadWriter(m.sizeHint());
        m.write(w);
        return w.toPayload();
    }

    /** Writes, reads back, checks that the read consumed every byte and wrote the same bytes again. */
    static <M extends WireMessage> M roundTrip(M message, Function<PayloadReader, M> read) {
        byte[] first = bytes(message);
        PayloadReader in = new PayloadReader(first);
        M back = read.apply(in);
        assertFalse(in.hasRemaining(), () -> message + " left " + in.remaining() + " bytes unread");
        assertArrayEquals(first, bytes(back), () -> message + " encodes differently after a round trip");
        return back;
    }

    static <M extends WireMessage> void roundTripEquals(M message, Function<PayloadReader, M> read) {
        assertEquals(message, roundTrip(message, read));
    }

    static byte[] hex(String s) {
        String[] parts = s.replace("|", " ").trim().split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ exact bytes

    @Test
    void produceRequestIsTheSpecExample() {
        // wire spec 4.1: produce "hello" (no key) to "test", partition chosen by the server
        assertArrayEquals(hex("00 04 74 65 73 74 | 00 00 00 00 | 00 00 00 05 68 65 6C 6C 6F | FF FF FF FF"),
                bytes(new ProduceRequest("test", null, utf8("hello"), -1)));
    }

    @Test
    void alterTopicIsTheTopicThenKeyValuePairsInOrder() {
        var r = new AlterTopicRequest("t", new java.util.LinkedHashMap<>(java.util.Map.of("ttl_ms", 1L)), false);
        assertArrayEquals(hex("00 01 74 | 00 01 | 00 06 74 74 6C 5F 6D 73 | 00 00 00 00 00 00 00 01"), bytes(r));
        var two = new java.util.LinkedHashMap<String, Long>();
        two.put("retention_ms", 3_600_000L);
        two.put("segment_bytes", -1L);
        AlterTopicRequest back = roundTrip(new AlterTopicRequest("orders", two, true), AlterTopicRequest::read);
        assertEquals(List.of("retention_ms", "segment_bytes"), List.copyOf(back.settings().keySet()));
        assertEquals(-1L, back.settings().get("segment_bytes"));
        assertTrue(back.forwarded());
        byte[] twice = hex("00 01 74 | 00 02 | 00 01 61 | 00 00 00 00 00 00 00 01 | 00 01 61 | 00 00 00 00 00 00 00 02");
        assertThrows(MalformedPayloadException.class, () -> AlterTopicRequest.read(new PayloadReader(twice)),
                "a key given twice");
    }

    @Test
    void topicMetadataCarriesTheTtlOnlyWhenKnown() {
        var parts = List.of(new TopicMetadataResponse.Partition(0, "n1", 0, 10, 999, 1));
        var without = new TopicMetadataResponse("t", 1, 1, 1, 2, 3, 4, 5, parts);
        var with = new TopicMetadataResponse("t", 1, 1, 1, 2, 3, 4, 5, parts, 0);
        assertEquals(bytes(without).length + 8, bytes(with).length);
        assertEquals(-1, roundTrip(without, TopicMetadataResponse::read).ttlMs());
        assertEquals(0, roundTrip(with, TopicMetadataResponse::read).ttlMs());
    }

    @Test
    void aTopicTtlFollowsTheSettingsBlockOnlyWhenGiven() {
        CreateTopicRequest plain = new CreateTopicRequest("t", 1, new CreateTopicRequest.Settings(2, -1, -1, -1, -1),
                false);
        assertEquals(2 + 1 + 4 + CreateTopicRequest.SETTINGS_BLOCK, bytes(plain).length, "no ttl_ms written");
        assertEquals(-1, roundTrip(plain, CreateTopicRequest::read).settings().ttlMs());
        CreateTopicRequest withTtl = new CreateTopicRequest("t", 1,
                new CreateTopicRequest.Settings(-1, -1, -1, -1, -1, 60_000), true);
        CreateTopicRequest back = roundTrip(withTtl, CreateTopicRequest::read);
        assertEquals(60_000, back.settings().ttlMs());
        assertTrue(back.forwarded(), "the forwarded marker still follows");
        assertEquals(0, roundTrip(new CreateTopicRequest("t", 1, new CreateTopicRequest.Settings(-1, -1, -1, -1, -1,
                0), false), CreateTopicRequest::read).settings().ttlMs(), "0: the topic's records never expire");
    }

    @Test
    void timedProduceRequestIsWhatTheSdksSendAndOurLongFormRoundTrips() {
        // J encodeProduceDelayedRequest / P encode_produce_delayed_request("t", "hi", 5000); TTL has the same bytes
        byte[] sdk = hex("00 01 74 | 00 00 00 02 68 69 | 00 00 00 00 00 00 13 88");
        assertArrayEquals(sdk, bytes(TimedProduceRequest.of("t", utf8("hi"), 5000)));
        TimedProduceRequest read = TimedProduceRequest.read(new PayloadReader(sdk));
        assertEquals(5000, read.millis());
        assertEquals(-1, read.partition());
        assertEquals(0, read.key().length);
        TimedProduceRequest keyed = roundTrip(new TimedProduceRequest("t", utf8("v"), 7, utf8("k"), 2),
                TimedProduceRequest::read);
        assertEquals("k", new String(keyed.key(), StandardCharsets.UTF_8));
        assertEquals(2, keyed.partition());
        roundTrip(new TimedProduceRequest("t", utf8("v"), 7, null, 3), TimedProduceRequest::read);
        roundTripEquals(new CancelDelayedRequest("t", 123L << 32 | 4), CancelDelayedRequest::read);
        roundTripEquals(new CancelDelayedResponse(false, "already delivered"), CancelDelayedResponse::read);
    }

    @Test
    void subscribeRequestIsTheSpecExample() {
        // wire spec 4.7: topic orders, group g1, partition 0, mode commit (note the str8 mode)
        assertArrayEquals(hex("00 06 6F 72 64 65 72 73 | 00 02 67 31 | 00 00 00 00 | 06 63 6F 6D 6D 69 74"),
                bytes(new SubscribeRequest("orders", "g1", 0, "commit")));
    }

    @Test
    void authResponseWithoutRolesEndsInTwoZeroCounts() {
        // bool 1 · str16 "bob" · u32 0 roles · u32 0 (Java: permissions; Go/Python: empty error + 2 bytes)
        assertArrayEquals(hex("01 | 00 03 62 6F 62 | 00 00 00 00 | 00 00 00 00"),
                bytes(new AuthResponse(true, "bob", List.of(), "")));
    }

    @Test
    void anonymousWhoAmIIsElevenBytes() {
        assertArrayEquals(hex("00 | 00 00 | 00 00 00 00 | 00 00 00 00"),
                bytes(new WhoAmIResponse(false, "", List.of(), List.of())));
    }

    @Test
    void fetchResponseFillsInCountAndNextOffsetLast() {
        PayloadWriter w = new PayloadWriter();
        FetchResponse.Writer f = FetchResponse.begin(w);
        assertTrue(f.add(7, null, utf8("v")));
        f.finish(8);
        assertArrayEquals(hex("00 00 00 01 | 00 00 00 00 00 00 00 08 | 00 00 00 00 00 00 00 07 | 00 00 00 00"
                + " | 00 00 00 01 76"), w.toPayload());
    }

    @Test
    void batchProduceRequestOfOneRecordWithAHeader() {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.writer(w, "t", Acks.ALL, 1).group(-1, 1).record(5, utf8("k"), utf8("v"), 1)
                .header("h", utf8("x")).end(true);
        assertArrayEquals(hex("00 01 74 | 02 | 00 00 00 01 | FF FF FF FF | 00 00 00 01"
                + " | 00 00 00 00 00 00 00 05 | 00 00 00 01 6B | 00 00 00 01 76 | 00 01 | 00 01 68 | 00 00 00 01 78"
                + " | FF"), w.toPayload());
    }

    @Test
    void idempotentBatchProduceCarriesTheProducerIdAndASequencePerGroupAfterTheForwardedByte() {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.writer(w, "t", Acks.ALL, 2).group(0, 1).record(5, null, utf8("a"), 0)
                .group(1, 1).record(6, null, utf8("b"), 0).endIdempotent(0x0102, new int[] {7, -1});
        byte[] payload = w.toPayload();
        assertArrayEquals(hex("00 01 74 | 02 | 00 00 00 02"
                + " | 00 00 00 00 | 00 00 00 01 | 00 00 00 00 00 00 00 05 | 00 00 00 00 | 00 00 00 01 61 | 00 00"
                + " | 00 00 00 01 | 00 00 00 01 | 00 00 00 00 00 00 00 06 | 00 00 00 00 | 00 00 00 01 62 | 00 00"
                + " | 00 | 00 00 00 00 00 00 01 02 | 00 00 00 07 | FF FF FF FF"), payload);
        BatchProduceRequest r = BatchProduceRequest.read(new PayloadReader(payload));
        assertTrue(r.idempotent());
        assertFalse(r.forwarded());
        assertEquals(0x0102, r.producerId());
        assertEquals(7, r.groups().get(0).firstSequence());
        assertEquals(BatchProduceRequest.NO_SEQUENCE, r.groups().get(1).firstSequence());
        assertArrayEquals(payload, bytes(r));
        // a routed part keeps its groups' sequences and says it was forwarded
        BatchProduceRequest part = roundTrip(new BatchProduceRequest("t", Acks.ALL,
                List.of(r.groups().get(0).withPartition(3)), true, r.producerId()), BatchProduceRequest::read);
        assertTrue(part.forwarded());
        assertEquals(0x0102, part.producerId());
        assertEquals(7, part.groups().get(0).firstSequence());
        assertEquals(3, part.groups().get(0).partition());
    }

    @Test
    void plainBatchProduceHasNoProducerId() {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.writer(w, "t", Acks.ALL, 1).group(0, 1).record(5, null, utf8("a"), 0).end(false);
        BatchProduceRequest r = BatchProduceRequest.read(new PayloadReader(w.toPayload()));
        assertFalse(r.idempotent());
        assertEquals(BatchProduceRequest.NO_SEQUENCE, r.groups().get(0).firstSequence());
    }

    @Test
    void anIdempotenceTrailerWithANonPositiveProducerIdIsRefused() {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.writer(w, "t", Acks.ALL, 1).group(0, 1).record(5, null, utf8("a"), 0).end(false);
        w.u8(0).i64(0).i32(0);
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> BatchProduceRequest.read(new PayloadReader(w.toPayload())));
        assertEquals("BATCH_PRODUCE to t: producer id must be > 0, got 0", e.getMessage());
    }

    @Test
    void createPartitionsCarriesTheNewTotalAndTheForwardedMarker() {
        CreatePartitionsRequest r = roundTrip(new CreatePartitionsRequest("t", 6, false), CreatePartitionsRequest::read);
        assertEquals(6, r.partitions());
        assertArrayEquals(hex("00 01 74 | 00 00 00 06"), bytes(r));
        assertTrue(roundTrip(new CreatePartitionsRequest("t", 6, true), CreatePartitionsRequest::read).forwarded());
    }

    @Test
    void forwardedMarkerIsOneTrailingByte() {
        byte[] plain = bytes(new DeleteTopicRequest("t", false));
        byte[] forwarded = bytes(new DeleteTopicRequest("t", true));
        assertArrayEquals(hex("00 01 74"), plain);
        assertArrayEquals(hex("00 01 74 FF"), forwarded);
        assertTrue(DeleteTopicRequest.read(new PayloadReader(forwarded)).forwarded());
        assertFalse(DeleteTopicRequest.read(new PayloadReader(plain)).forwarded());
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void produceAndConsume() {
        ProduceRequest p = roundTrip(new ProduceRequest("orders", utf8("k"), utf8("value"), 3),
                ProduceRequest::read);
        assertEquals(3, p.partition());
        assertEquals("value", new String(p.value(), StandardCharsets.UTF_8));
        roundTripEquals(new ProduceResponse("orders", 3, 41, 1_700_000_000_000L, -1, 5), ProduceResponse::read);
        roundTripEquals(new ConsumeRequest("orders", 2, 9), ConsumeRequest::read);
        ConsumeResponse c = roundTrip(new ConsumeResponse(null, utf8("v")), ConsumeResponse::read);
        assertEquals(0, c.key().length);
    }

    @Test
    void produceWithoutPartitionFieldMeansAnyPartition() {
        byte[] goSdk = new PayloadWriter().str16("t").bytes32(null).bytes32(utf8("v")).toPayload();
        assertEquals(ProduceRequest.ANY_PARTITION, ProduceRequest.read(new PayloadReader(goSdk)).partition());
    }

    @Test
    void topics() {
        roundTripEquals(CreateTopicRequest.of("t", 3), CreateTopicRequest::read);
        roundTripEquals(new CreateTopicRequest("t", 3, new CreateTopicRequest.Settings(2, 60_000, -1, 1 << 20, -1),
                true), CreateTopicRequest::read);
        roundTripEquals(new DeleteTopicRequest("t", false), DeleteTopicRequest::read);
        roundTripEquals(new ListTopicsResponse(List.of("a", "b")), ListTopicsResponse::read);
        roundTripEquals(new TopicMetadataRequest("t"), TopicMetadataRequest::read);
        roundTripEquals(new TopicMetadataResponse("t", 2, 1, 1, 2, 3, 4, 5,
                List.of(new TopicMetadataResponse.Partition(0, "n1", 0, 10, 999, 1),
                        new TopicMetadataResponse.Partition(1, "n2", 3, 4, 5, 2))), TopicMetadataResponse::read);
        roundTripEquals(SuccessResponse.OK, SuccessResponse::read);
    }

    @Test
    void fetch() {
        roundTripEquals(new FetchRequest("t", 1, 5, 10, "$.id"), FetchRequest::read);
        FetchResponse f = roundTrip(new FetchResponse(12, List.of(new FetchResponse.Entry(10, new byte[0],
                utf8("a")), new FetchResponse.Entry(11, utf8("k"), utf8("b")))), FetchResponse::read);
        assertEquals(12, f.nextOffset());
        assertEquals(11, f.records().get(1).offset());
    }

    @Test
    void fetchFilterThatOverrunsIsNoFilter() {
        byte[] payload = new PayloadWriter().str16("t").i32(0).u64(0).i32(5).u16(40).toPayload();
        assertEquals("", FetchRequest.read(new PayloadReader(payload)).filter());
        byte[] noFilter = new PayloadWriter().str16("t").i32(0).u64(0).i32(5).toPayload();
        assertEquals("", FetchRequest.read(new PayloadReader(noFilter)).filter());
    }

    @Test
    void groups() {
        roundTripEquals(new SubscribeRequest("t", "g", 0, "earliest"), SubscribeRequest::read);
        roundTripEquals(new OffsetResponse(77), OffsetResponse::read);
        roundTripEquals(new CommitRequest("t", "g", 1, 99, true), CommitRequest::read);
        roundTripEquals(new GroupPartitionRequest("t", "g", 4), GroupPartitionRequest::read);
        roundTripEquals(new LagResponse(3, 3, 10, 7), LagResponse::read);
        roundTripEquals(new ResetOffsetRequest("t", "g", 0, "offset", OptionalLong.of(5), false),
                ResetOffsetRequest::read);
        roundTripEquals(new ResetOffsetRequest("t", "g", 0, "earliest", OptionalLong.empty(), true),
                ResetOffsetRequest::read);
        roundTripEquals(new ResetOffsetRequest("t", "g", 0, "latest", OptionalLong.of(0), true),
                ResetOffsetRequest::read);
        GroupSummary g = new GroupSummary("t", "g", 2, List.of(new GroupSummary.PartitionOffset(0, 5),
                new GroupSummary.PartitionOffset(1, 6)));
        roundTripEquals(g, GroupSummary::read);
        roundTripEquals(new ListGroupsResponse(List.of(g, g)), ListGroupsResponse::read);
        roundTripEquals(new DescribeGroupRequest("t", "g"), DescribeGroupRequest::read);
        DescribeGroupRequest java = roundTrip(new DescribeGroupRequest(null, "g"), DescribeGroupRequest::read);
        assertTrue(java.javaForm());
        roundTripEquals(new GroupDescription("g", "Stable", List.of("m1"), List.of("t1", "t2"), "n1"),
                GroupDescription::read);
        roundTripEquals(new DeleteGroupRequest("t", "g", true), DeleteGroupRequest::read);
        DeleteGroupRequest all = roundTrip(new DeleteGroupRequest(null, "g", true), DeleteGroupRequest::read);
        assertTrue(all.allTopics());
        assertTrue(all.forwarded());
        roundTripEquals(new SeekToTimestampRequest("t", 0, 1234), SeekToTimestampRequest::read);
    }

    @Test
    void resetOffsetReadsTheJavaSdksUnusedValue() {
        byte[] javaSdk = new PayloadWriter().str16("t").str16("g").i32(0).str8("earliest").u64(0).toPayload();
        ResetOffsetRequest r = ResetOffsetRequest.read(new PayloadReader(javaSdk));
        assertEquals(OptionalLong.of(0), r.value());
        assertFalse(r.forwarded());
        byte[] missing = new PayloadWriter().str16("t").str16("g").i32(0).str8("offset").toPayload();
        assertThrows(MalformedPayloadException.class, () -> ResetOffsetRequest.read(new PayloadReader(missing)));
    }

    @Test
    void cluster() {
        roundTripEquals(new ClusterMetadataRequest("t"), ClusterMetadataRequest::read);
        assertEquals("", ClusterMetadataRequest.read(new PayloadReader(new byte[0])).topic());
        roundTripEquals(new ClusterMetadataResponse("c1", List.of(new ClusterMetadataResponse.Topic("t",
                List.of(new ClusterMetadataResponse.Partition(0, "n1", "h:1", 3, "online", List.of("n1", "n2"),
                        List.of("n1")))))), ClusterMetadataResponse::read);
        List<ClusterStatusResponse.Node> nodes = List.of(new ClusterStatusResponse.Node("n1", "h:1", "h:2", "up",
                true));
        roundTripEquals(new ClusterStatusResponse("c", "n1", "n1", 4, true, nodes, 2, 6, null),
                ClusterStatusResponse::read);
        roundTripEquals(new ClusterStatusResponse("c", "n1", "n1", 4, true, nodes, 2, 6,
                new ClusterStatusResponse.Progress(17, List.of(new ClusterStatusResponse.NodeProgress("n1", "leader",
                        17, 0)))), ClusterStatusResponse::read);
        ClusterStatusResponse withLed = roundTrip(new ClusterStatusResponse("c", "n1", "n1", 4, true, nodes, 2, 6,
                new ClusterStatusResponse.Progress(17, List.of()), List.of(new ClusterStatusResponse.LedPartition("t",
                        1, 40, List.of(new ClusterStatusResponse.ReplicaProgress("n1", 40, 0, true),
                        new ClusterStatusResponse.ReplicaProgress("n2", 35, 5, false))))), ClusterStatusResponse::read);
        assertEquals(5, withLed.led().getFirst().replicas().get(1).lag());
        assertFalse(withLed.led().getFirst().replicas().get(1).inSync());
        assertEquals(null, roundTrip(new ClusterStatusResponse("c", "n1", "n1", 4, true, nodes, 2, 6,
                new ClusterStatusResponse.Progress(17, List.of())), ClusterStatusResponse::read).led(),
                "an answer of an older broker has no led-partitions block");
        roundTripEquals(MembershipRequest.join("n4", "h:9", ""), MembershipRequest::read);
        roundTripEquals(new MembershipRequest(MembershipRequest.LEAVE, "n4", "", "", true), MembershipRequest::read);
        roundTripEquals(new MembershipResponse(List.of(new MembershipResponse.Member("n1", "h:1", true),
                new MembershipResponse.Member("n4", "h:9", false))), MembershipResponse::read);
        roundTripEquals(new RegisterNodeRequest("n1", "h:1", true), RegisterNodeRequest::read);
        roundTripEquals(new RegisterNodeRequest("n1", "h:1", false, "rack-a"), RegisterNodeRequest::read);
        roundTripEquals(new RegisterNodeRequest("n1", "h:1", true, "rack-a"), RegisterNodeRequest::read);
    }

    @Test
    void delayedEntries() {
        roundTripEquals(new DelayedEntriesRequest("t", 7, 30_000_001L, 3, 1003, 0, 2), DelayedEntriesRequest::read);
        DelayedEntriesResponse got = roundTrip(new DelayedEntriesResponse(false, List.of(
                new DelayedEntriesResponse.Entry(3, 1_800_000_060_500L, 1_800_000_000_000L, new byte[0],
                        "v".getBytes(StandardCharsets.UTF_8)),
                new DelayedEntriesResponse.Entry(4, 1_800_000_061_000L, 1_800_000_000_001L, new byte[] {1, 2},
                        new byte[0])), new int[] {9, 2}), DelayedEntriesResponse::read);
        assertEquals(2, got.entries().size());
        assertEquals(4, got.entries().get(1).seq());
        assertEquals(1_800_000_061_000L, got.entries().get(1).dueMs());
        assertEquals(1_800_000_000_001L, got.entries().get(1).scheduledMs());
        assertArrayEquals(new byte[] {1, 2}, got.entries().get(1).key());
        assertEquals("v", new String(got.entries().get(0).value(), StandardCharsets.UTF_8));
        assertArrayEquals(new int[] {9, 2}, got.cancels());
        assertFalse(got.retired());
        assertTrue(roundTrip(new DelayedEntriesResponse(true, List.of(), new int[0]), DelayedEntriesResponse::read)
                .retired());
    }

    @Test
    void partitionReassignment() {
        roundTripEquals(PartitionReassignRequest.start("t", 3, List.of("n4", "n2")), PartitionReassignRequest::read);
        roundTripEquals(PartitionReassignRequest.cancel("t", 3).asForwarded(), PartitionReassignRequest::read);
        PayloadWriter w = new PayloadWriter();
        PartitionReassignRequest.start("t", 0, List.of("n4", "n2")).write(w);
        assertEquals("01000174000000000000000200026e3400026e32", java.util.HexFormat.of().formatHex(w.toPayload()),
                "the example bytes of docs/protocol.md");
        roundTripEquals(new ReassignmentsResponse(List.of(new ReassignmentsResponse.Reassignment("t", 1,
                List.of("n1", "n2"), List.of("n3", "n2"), false), new ReassignmentsResponse.Reassignment("u", 0,
                List.of("n1"), List.of("n1"), true))), ReassignmentsResponse::read);
        // the moves waiting for a slot follow the moves in progress, only when there are any
        ReassignmentsResponse withQueue = new ReassignmentsResponse(List.of(), List.of(
                new ReassignmentsResponse.Reassignment("t", 3, List.of("n1"), List.of("n4"), false)));
        roundTripEquals(withQueue, ReassignmentsResponse::read);
        PayloadWriter none = new PayloadWriter();
        new ReassignmentsResponse(List.of()).write(none);
        assertEquals("00000000", java.util.HexFormat.of().formatHex(none.toPayload()), "no queue: the old bytes");
        roundTripEquals(new ClusterBalanceRequest(ClusterBalanceRequest.DRAIN, "n3", false),
                ClusterBalanceRequest::read);
        roundTripEquals(new ClusterBalanceRequest(ClusterBalanceRequest.PLAN, "", false).asForwarded(),
                ClusterBalanceRequest::read);
        roundTripEquals(new ClusterBalanceResponse(List.of(new ClusterBalanceResponse.Move("t", 2, List.of("n1"),
                List.of("n5")))), ClusterBalanceResponse::read);
    }

    @Test
    void auth() {
        roundTripEquals(new AuthRequest("alice", "secret"), AuthRequest::read);
        roundTripEquals(new AuthResponse(true, "alice", List.of("admin"), "not allowed"), AuthResponse::read);
        AuthResponse noError = AuthResponse.read(new PayloadReader(bytes(new AuthResponse(true, "a", List.of(),
                ""))));
        assertEquals("", noError.error());
        roundTripEquals(new WhoAmIResponse(true, "alice", List.of("admin"), List.of("read")), WhoAmIResponse::read);
        roundTripEquals(EmptyRequest.INSTANCE, EmptyRequest::read);
    }

    @Test
    void batchProduceWithAnUnknownAcksByteIsRefusedNamingIt() {
        PayloadWriter w = new PayloadWriter();
        w.str16("t").u8(9).u32(0);
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> BatchProduceRequest.read(new PayloadReader(w.toPayload())));
        assertEquals("BATCH_PRODUCE to t: unknown acks 9 (0 none, 1 leader, 2 all)", e.getMessage());
    }

    @Test
    void batchProduce() {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.Writer out = BatchProduceRequest.writer(w, "t", Acks.LEADER, 2);
        out.group(0, 2).record(1, null, utf8("a"), 0).record(2, utf8("k"), utf8("b"), 1).header("traceparent",
                utf8("00-x"));
        out.group(-1, 1).record(0, null, new byte[0], 0);
        out.end(false);
        byte[] payload = w.toPayload();
        BatchProduceRequest r = BatchProduceRequest.read(new PayloadReader(payload));
        assertEquals("t", r.topic());
        assertEquals(Acks.LEADER, r.acks());
        assertFalse(r.forwarded());
        assertEquals(2, r.groups().size());
        assertArrayEquals(payload, bytes(r));
        record H(String name, String value) {
        }
        record R(long offset, long timestamp, byte[] key, String value, List<H> headers) {
        }
        List<R> records = r.groups().get(0).records(new flymq.protocol.record.RecordFactory<R, H>() {
            @Override
            public H header(String name, byte[] value) {
                return new H(name, new String(value, StandardCharsets.UTF_8));
            }

            @Override
            public R record(long offset, long timestamp, byte[] key, byte[] value, List<H> headers) {
                return new R(offset, timestamp, key, new String(value, StandardCharsets.UTF_8), headers);
            }
        });
        assertEquals(2, records.size());
        assertNull(records.get(0).key(), "a key of length 0 is no key");
        assertEquals(-1, records.get(0).offset());
        assertEquals(2, records.get(1).timestamp());
        assertEquals(List.of(new H("traceparent", "00-x")), records.get(1).headers());
        BatchProduceRequest moved = new BatchProduceRequest("t", Acks.LEADER, List.of(r.groups().get(1).withPartition(4)),
                true);
        BatchProduceRequest back = roundTrip(moved, BatchProduceRequest::read);
        assertEquals(4, back.groups().get(0).partition());
        assertTrue(back.forwarded());
        roundTripEquals(new BatchProduceResponse("t", List.of(BatchProduceResponse.GroupResult.appended(0, 10, 2),
                BatchProduceResponse.GroupResult.failed(3, 1, "not leader"))), BatchProduceResponse::read);
    }

    @Test
    void schemaRegistry() {
        RegisterSchemaRequest sdk = roundTrip(new RegisterSchemaRequest("s", "avro", utf8("\"int\""), "", false),
                RegisterSchemaRequest::read);
        assertEquals("s", sdk.subject());
        assertEquals("", sdk.compatibility());
        assertArrayEquals(hex("00 01 73 | 04 61 76 72 6F | 00 00 00 05 22 69 6E 74 22"), bytes(sdk));
        RegisterSchemaRequest forwarded = roundTrip(new RegisterSchemaRequest("s", "json", utf8("true"), "", true),
                RegisterSchemaRequest::read);
        assertTrue(forwarded.forwarded());
        assertEquals("FULL", roundTrip(new RegisterSchemaRequest("s", "json", utf8("true"), "FULL", false),
                RegisterSchemaRequest::read).compatibility());
        roundTripEquals(new RegisterSchemaResponse("s", "json", 3, 7), RegisterSchemaResponse::read);
        roundTripEquals(new SchemaVersionRequest("s", 2, false), SchemaVersionRequest::read);
        roundTripEquals(new SchemaVersionRequest("s", 0, true), SchemaVersionRequest::read);
        GetSchemaResponse get = roundTrip(new GetSchemaResponse("7", "s", 2, "json", utf8("true"), "BACKWARD"),
                GetSchemaResponse::read);
        assertEquals("BACKWARD", get.compatibility());
        roundTripEquals(new ListSchemasRequest("orders"), ListSchemasRequest::read);
        roundTripEquals(new ListSchemasResponse(List.of(new ListSchemasResponse.Entry("a", "json", 1),
                new ListSchemasResponse.Entry("a", "json", 2))), ListSchemasResponse::read);
        assertArrayEquals(utf8("msg"), roundTrip(new ValidateSchemaRequest("s", utf8("msg")),
                ValidateSchemaRequest::read).message());
        roundTripEquals(new ValidateSchemaResponse(false, List.of("$.id: required")), ValidateSchemaResponse::read);
        roundTripEquals(new DeleteSchemaResponse(true, "deleted"), DeleteSchemaResponse::read);
    }

    @Test
    void batchProduceWriterChecksTheCountsItWasGiven() {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.Writer out = BatchProduceRequest.writer(w, "t", Acks.LEADER, 1).group(0, 2).record(1, null,
                utf8("a"), 0);
        assertThrows(IllegalStateException.class, () -> out.end(false));
    }

    @Test
    void batchFetch() {
        roundTripEquals(new BatchFetchRequest("t", 1 << 20, List.of(new BatchFetchRequest.Position(0, 5),
                new BatchFetchRequest.Position(2, 0)), true), BatchFetchRequest::read);
        BatchFetchResponse header = new BatchFetchResponse("t", List.of(
                new BatchFetchResponse.PartitionHeader(0, "", 0, 10, 2, 3),
                BatchFetchResponse.PartitionHeader.failed(1, "offset 9 out of range [0, 5) for t-1")));
        PayloadWriter w = new PayloadWriter();
        header.write(w);
        w.raw(new byte[] {1, 2, 3}, 0, 3);
        PayloadReader in = new PayloadReader(w.toPayload());
        assertEquals(header, BatchFetchResponse.read(in));
        assertEquals(3, in.remaining(), "the reader stops at the tail");
        assertEquals(3, header.tailBytes());
    }

    @Test
    void batchFetchAnswerWhoseTailDisagreesWithItsHeadersIsMalformed() {
        BatchFetchResponse header = new BatchFetchResponse("t", List.of(
                new BatchFetchResponse.PartitionHeader(0, "", 0, 10, 2, 3)));
        PayloadWriter w = new PayloadWriter();
        header.write(w);
        w.raw(new byte[] {1, 2}, 0, 2);
        assertThrows(MalformedPayloadException.class, () -> BatchFetchResponse.read(new PayloadReader(w.toPayload())));
    }

    @Test
    void batchFetchHeadersAloneAreReadWithoutTheirTail() {
        BatchFetchResponse header = new BatchFetchResponse("t", List.of(
                new BatchFetchResponse.PartitionHeader(0, "", 0, 10, 2, 3)));
        PayloadWriter w = new PayloadWriter();
        header.write(w);
        PayloadReader in = new PayloadReader(w.toPayload());
        assertEquals(header, BatchFetchResponse.readHeaders(in), "the tail is still log slices on the broker");
        assertFalse(in.hasRemaining());
    }

    @Test
    void retryHoldIsDlqNacksNodeToNodeFormAndNeverAConsumersNack() {
        RetryHoldRequest hold = new RetryHoldRequest("billing", "orders", 2, 41, 3, 1_700_000_060_000L, true);
        roundTripEquals(hold, RetryHoldRequest::read);
        roundTripEquals(new RetryHoldRequest("billing", "orders", 2, 41, 0, 0, false), RetryHoldRequest::read);
        assertTrue(RetryHoldRequest.is(new PayloadReader(bytes(hold))));
        byte[] nack = bytes(new NackRequest("billing", "orders", 2, 41, "timeout"));
        assertFalse(RetryHoldRequest.is(new PayloadReader(nack)), "a consumer's nack names its group");
        assertThrows(MalformedPayloadException.class, () -> RetryHoldRequest.read(new PayloadReader(nack)));
        assertFalse(RetryHoldRequest.is(new PayloadReader(new byte[] {0})));
    }
}
