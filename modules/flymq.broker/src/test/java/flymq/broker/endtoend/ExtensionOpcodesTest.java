package flymq.broker.endtoend;

import flymq.client.FetchPosition;
import flymq.client.Header;
import flymq.client.Message;
import flymq.client.PartitionFetch;
import flymq.client.FlyMqClient;
import flymq.client.PartitionAppend;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.WireClient;
import flymq.protocol.PayloadWriter;
import flymq.protocol.ExtensionOpcodes;
import flymq.broker.server.ResponseTail;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Random;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BATCH_PRODUCE and BATCH_FETCH against an in-process broker. */
class ExtensionOpcodesTest {
    @TempDir
    Path dir;
    InProcessBroker broker;
    FlyMqClient client;

    @BeforeEach
    void start() {
        broker = new InProcessBroker(dir);
        client = FlyMqClient.connect(broker.address());
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
    }

    private static ProducerRecord rec(String value) {
        return ProducerRecord.of("t", value.getBytes(UTF_8));
    }

    @Test
    void batchProduceAnswersABaseOffsetPerPartition() {
        client.createTopic("t", 2);
        List<PartitionAppend> first = client.batchProduce("t", Acks.LEADER, List.of(
                new PartitionRecords(0, List.of(rec("a"), rec("b"), rec("c"))),
                new PartitionRecords(1, List.of(rec("x")))));
        assertEquals(List.of(new PartitionAppend(0, 0, 3, ""), new PartitionAppend(1, 0, 1, "")), first);
        List<PartitionAppend> second = client.batchProduce("t", Acks.LEADER, List.of(
                new PartitionRecords(0, List.of(rec("d")))));
        assertEquals(3, second.get(0).baseOffset());
        // the 1.26 FETCH sees the same records
        assertEquals("d", client.fetch("t", 0, 3, 10).records().get(0).valueAsString());
    }

    @Test
    void headersTimestampsAndKeysSurviveTheRoundTrip() {
        ProducerRecord r = new ProducerRecord("t", 0, 1_700_000_000_000L, "key".getBytes(UTF_8),
                "value".getBytes(UTF_8), List.of(new Header("trace", new byte[] {1, 2}), new Header("e", null)));
        client.batchProduce("t", Acks.LEADER, List.of(new PartitionRecords(0, List.of(r))));
        PartitionFetch f = client.batchFetch("t", List.of(new FetchPosition(0, 0)), 1 << 20).get(0);
        assertTrue(f.ok(), f.error());
        Message m = f.records().get(0);
        assertEquals(0, m.offset());
        assertEquals(1_700_000_000_000L, m.timestamp());
        assertEquals("key", m.keyAsString());
        assertEquals("value", m.valueAsString());
        assertEquals(2, m.headers().size());
        assertEquals("trace", m.headers().get(0).key());
        assertArrayEquals(new byte[] {1, 2}, m.headers().get(0).value());
        assertArrayEquals(new byte[0], m.headers().get(1).value());
    }

    @Test
    void serverStampsRecordsSentWithoutTimestamp() {
        long before = System.currentTimeMillis();
        client.batchProduce("t", Acks.LEADER, List.of(new PartitionRecords(0, List.of(rec("a")))));
        long ts = client.batchFetch("t", List.of(new FetchPosition(0, 0)), 1024).get(0).records().get(0).timestamp();
        assertTrue(ts >= before && ts <= System.currentTimeMillis() + 1, "timestamp " + ts);
    }

    @Test
    void everyAcksModeAppends() {
        for (Acks acks : Acks.values()) {
            List<PartitionAppend> a = client.batchProduce("t", acks, List.of(new PartitionRecords(0,
                    List.of(rec(acks.name())))));
            assertTrue(a.get(0).ok(), a.get(0).error());
        }
        List<Message> all = client.batchFetch("t", List.of(new FetchPosition(0, 0)), 1 << 20).get(0).records();
        assertEquals(List.of("NONE", "LEADER", "ALL"), all.stream().map(Message::valueAsString).toList());
    }

    @Test
    void batchFetchAcrossPartitionsHonoursPositionsAndReportsOffsets() {
        client.createTopic("t", 3);
        client.batchProduce("t", Acks.LEADER, List.of(
                new PartitionRecords(0, List.of(rec("a0"), rec("a1"))),
                new PartitionRecords(2, List.of(rec("c0"), rec("c1"), rec("c2")))));
        List<PartitionFetch> f = client.batchFetch("t", List.of(new FetchPosition(0, 1), new FetchPosition(1, 0),
                new FetchPosition(2, 0)), 1 << 20);
        assertEquals(List.of("a1"), f.get(0).records().stream().map(Message::valueAsString).toList());
        assertEquals(2, f.get(0).endOffset());
        assertTrue(f.get(1).records().isEmpty());
        assertTrue(f.get(1).ok());
        assertEquals(3, f.get(2).records().size());
        assertEquals(3, f.get(2).nextOffset(0));
    }

    @Test
    void batchFetchAtTheEndIsEmptyAndBeyondItIsAnErrorForThatPartitionOnly() {
        client.createTopic("t", 2);
        client.batchProduce("t", Acks.LEADER, List.of(new PartitionRecords(0, List.of(rec("a")))));
        List<PartitionFetch> f = client.batchFetch("t", List.of(new FetchPosition(0, 1), new FetchPosition(1, 5)),
                1024);
        assertTrue(f.get(0).ok());
        assertTrue(f.get(0).records().isEmpty());
        assertFalse(f.get(1).ok());
        assertTrue(f.get(1).error().contains("5"), f.get(1).error());
    }

    @Test
    void batchFetchSendsRecordBytesFromTheSegmentFilesWithoutAHeapCopy() {
        client.createTopic("t", 2);
        Random random = new Random(42);
        List<List<byte[]>> sent = List.of(new ArrayList<>(), new ArrayList<>());
        for (int batch = 0; batch < 8; batch++) {
            List<PartitionRecords> groups = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                List<ProducerRecord> records = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    byte[] value = new byte[1 + random.nextInt(8192)];
                    random.nextBytes(value);
                    sent.get(p).add(value);
                    records.add(new ProducerRecord("t", p, 0, null, value,
                            List.of(new Header("n", new byte[] {(byte) i}))));
                }
                groups.add(new PartitionRecords(p, records));
            }
            client.batchProduce("t", Acks.LEADER, groups);
        }
        long copiedBefore = ResponseTail.bytesCopiedToHeap();
        long filesBefore = ResponseTail.bytesSentFromFiles();
        List<List<byte[]>> received = List.of(new ArrayList<>(), new ArrayList<>());
        long[] next = new long[2];
        while (next[0] < 400 || next[1] < 400) {
            List<PartitionFetch> f = client.batchFetch("t", List.of(new FetchPosition(0, next[0]),
                    new FetchPosition(1, next[1])), 256 * 1024);
            for (int p = 0; p < 2; p++) {
                assertTrue(f.get(p).ok(), f.get(p).error());
                for (Message m : f.get(p).records()) {
                    assertEquals(received.get(p).size(), m.offset());
                    assertEquals(m.offset() % 50, m.headers().get(0).value()[0]);
                    received.get(p).add(m.value());
                }
                next[p] = f.get(p).nextOffset(next[p]);
            }
        }
        for (int p = 0; p < 2; p++) {
            assertEquals(400, received.get(p).size());
            for (int i = 0; i < 400; i++) {
                assertArrayEquals(sent.get(p).get(i), received.get(p).get(i), "partition " + p + " offset " + i);
            }
        }
        long valueBytes = sent.stream().flatMap(List::stream).mapToLong(v -> v.length).sum();
        assertEquals(0, ResponseTail.bytesCopiedToHeap() - copiedBefore, "record bytes copied into the heap");
        // the broker counts a slice once its write returned, which can be after the client read the answer
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ResponseTail.bytesSentFromFiles() - filesBefore < valueBytes && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(ResponseTail.bytesSentFromFiles() - filesBefore >= valueBytes,
                "sent from files: " + (ResponseTail.bytesSentFromFiles() - filesBefore) + " < " + valueBytes);
    }

    @Test
    void smallMaxBytesStillReturnsOneRecord() {
        client.batchProduce("t", Acks.LEADER, List.of(new PartitionRecords(0, List.of(rec("aaaa"), rec("bbbb")))));
        List<Message> m = client.batchFetch("t", List.of(new FetchPosition(0, 0)), 1).get(0).records();
        assertEquals(1, m.size());
    }

    @Test
    void missingPartitionFailsOnlyItsGroup() {
        client.createTopic("t", 1);
        List<PartitionAppend> a = client.batchProduce("t", Acks.LEADER, List.of(
                new PartitionRecords(7, List.of(rec("lost"))),
                new PartitionRecords(0, List.of(rec("kept")))));
        assertFalse(a.get(0).ok());
        assertTrue(a.get(0).error().contains("7"), a.get(0).error());
        assertTrue(a.get(1).ok());
        assertEquals(1, client.batchFetch("t", List.of(new FetchPosition(0, 0)), 1024).get(0).records().size());
    }

    @Test
    void malformedBatchProduceIsRefusedAndAppendsNothing() throws IOException {
        client.createTopic("t", 1);
        // one group announcing two records but carrying one
        PayloadWriter w = new PayloadWriter(64).str16("t").u8(1).u32(1).i32(0).u32(2)
                .i64(0).bytes32(null).bytes32(new byte[] {1}).u16(0);
        assertFalse(refusal(w).isEmpty());
        assertEquals(0, client.metadata("t").partitions().get(0).endOffset());
    }

    @Test
    void unknownAcksIsRefused() throws IOException {
        PayloadWriter w = new PayloadWriter(64).str16("t").u8(9).u32(1).i32(0).u32(1)
                .i64(0).bytes32(null).bytes32(new byte[] {1}).u16(0);
        String refusal = refusal(w);
        assertTrue(refusal.contains("acks"), refusal);
    }

    /** Sends a BATCH_PRODUCE payload as is and returns the text of the ERROR frame it must be answered with. */
    private String refusal(PayloadWriter batchProduce) throws IOException {
        try (WireClient wire = new WireClient(broker.port())) {
            WireClient.Frame answer = wire.call(ExtensionOpcodes.BATCH_PRODUCE, batchProduce);
            return answer.errorText();
        }
    }
}
