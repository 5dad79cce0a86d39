package flymq.broker;

import static flymq.broker.SdkSequenceTest.hex;
import static flymq.broker.WireClient.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.ConsumerConfig;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.FlyMqTransaction;
import flymq.client.IsolationLevel;
import flymq.client.Message;
import flymq.client.PartitionAppend;
import flymq.client.PartitionFetch;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceTxRequest;
import flymq.protocol.message.ConsumeRequest;
import flymq.protocol.message.ProduceResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions over the wire (docs/transactions.md): the bytes the official Java and Python SDKs send for BEGIN_TX,
 * PRODUCE_TX, COMMIT_TX and ABORT_TX (the same in both: spec 11, {@code encodeTxnRequest},
 * {@code encodeTxnProduceRequest}, {@code encode_txn_produce_request}), what read-committed readers see, and the
 * refusals.
 */
class TransactionWireTest {
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

    /** BEGIN_TX as both SDKs send it: opcode 0x40, flags 0x01, empty payload. Answer: str16 txn_id · bool. */
    private String begin() throws Exception {
        c.send(hex("AF 01 40 01 00 00 00 00"));
        WireClient.Frame f = c.read();
        assertEquals(Opcodes.BEGIN_TX, f.opcode(), f.isError() ? f.errorText() : "");
        PayloadReader r = f.reader();
        String id = r.str16("txn_id");
        assertTrue(r.bool("success"));
        assertFalse(r.hasRemaining());
        assertTrue(id.matches("txn-[0-9]+"), id);
        return id;
    }

    /** PRODUCE_TX as both SDKs lay it out: str16 txn_id · str16 topic · u32 length · data. */
    private WireClient.Frame produceTx(String txn, String topic, String data) throws Exception {
        return c.call(Opcodes.PRODUCE_TX, payload().str16(txn).str16(topic)
                .bytes32(data.getBytes(StandardCharsets.UTF_8)));
    }

    private WireClient.Frame end(int opcode, String txn) throws Exception {
        return c.call(opcode, payload().str16(txn));
    }

    private List<String> committedValues(String topic, int partition) throws Exception {
        List<String> out = new ArrayList<>();
        long position = 0;
        while (true) {
            WireClient.FetchResult r = c.fetch(topic, partition, position, 500, "");
            r.records().forEach(rec -> out.add(rec.value()));
            if (r.nextOffset() == position) {
                return out;
            }
            position = r.nextOffset();
        }
    }

    @Test
    void sdkBytesForACommittedTransaction() throws Exception {
        c.createTopic("tx", 1);
        String txn = begin();
        WireClient.Frame produced = produceTx(txn, "tx", "one");
        assertEquals(Opcodes.PRODUCE_TX, produced.opcode(), produced.isError() ? produced.errorText() : "");
        ProduceResponse md = ProduceResponse.read(produced.reader());
        assertEquals("tx", md.topic());
        assertEquals(0, md.partition());
        assertEquals(0, md.offset(), "the offset it was written at");
        assertEquals(-1, md.keySize());
        assertEquals(3, md.valueSize());
        ProduceResponse second = ProduceResponse.read(produceTx(txn, "tx", "two").reader());
        assertEquals(1, second.offset());
        assertEquals(List.of(), committedValues("tx", 0), "nothing is visible before the commit");

        WireClient.Frame committed = end(Opcodes.COMMIT_TX, txn);
        assertEquals(Opcodes.COMMIT_TX, committed.opcode(), committed.isError() ? committed.errorText() : "");
        PayloadReader r = committed.reader();
        assertEquals(txn, r.str16("txn_id"));
        assertTrue(r.bool("success"));
        assertEquals(List.of("one", "two"), committedValues("tx", 0), "the commit marker is not a message");
    }

    @Test
    void sdkBytesForAnAbortedTransaction() throws Exception {
        String txn = begin();
        produceTx(txn, "ab", "gone");
        c.produce("ab", null, "plain", 0);
        WireClient.Frame aborted = end(Opcodes.ABORT_TX, txn);
        assertEquals(Opcodes.ABORT_TX, aborted.opcode(), aborted.isError() ? aborted.errorText() : "");
        assertEquals(txn, aborted.reader().str16("txn_id"));
        assertEquals(List.of("plain"), committedValues("ab", 0));
        PayloadReader again = end(Opcodes.ABORT_TX, txn).reader();
        assertEquals(txn, again.str16("txn_id"));
        assertTrue(again.bool("success"), "aborting again succeeds (a retry)");
        WireClient.Frame commit = end(Opcodes.COMMIT_TX, txn);
        assertTrue(commit.isError());
        assertTrue(commit.errorText().contains("transaction " + txn + " is not open: it was aborted"),
                commit.errorText());
        WireClient.Frame late = produceTx(txn, "ab", "late");
        assertTrue(late.isError(), "PRODUCE_TX after the abort");
    }

    @Test
    void anOpenTransactionHoldsBackLaterRecordsUntilItEnds() throws Exception {
        c.createTopic("lso", 1);
        c.produce("lso", null, "before", 0);
        String txn = begin();
        produceTx(txn, "lso", "in-tx");
        c.produce("lso", null, "after", 0);
        WireClient.FetchResult held = c.fetch("lso", 0, 0, 10, "");
        assertEquals(List.of("before"), held.records().stream().map(WireClient.Fetched::value).toList());
        assertEquals(1, held.nextOffset(), "the last stable offset bounds the read");
        WireClient.Frame consume = c.call(Opcodes.CONSUME, new ConsumeRequest("lso", 0, 2));
        assertTrue(consume.errorText().startsWith("EOF: offset 2 in lso-0 is not stable yet"), consume.errorText());

        end(Opcodes.COMMIT_TX, txn);
        assertEquals(List.of("before", "in-tx", "after"), committedValues("lso", 0));
        WireClient.Frame marker = c.call(Opcodes.CONSUME, new ConsumeRequest("lso", 0, 3));
        assertTrue(marker.errorText().contains("holds a transaction marker"), marker.errorText());
    }

    private long lag(String topic, String group) throws Exception {
        return flymq.protocol.message.LagResponse.read(c.call(Opcodes.GET_LAG,
                payload().str16(topic).str16(group).i32(0)).reader()).lag();
    }

    @Test
    void lagLeavesOutMarkersAndAbortedRecords() throws Exception {
        c.createTopic("lag", 1);
        String txn = begin();
        produceTx(txn, "lag", "x");
        end(Opcodes.COMMIT_TX, txn); // record 0, marker 1
        c.subscribe("lag", "g", 0, "earliest");
        c.commit("lag", "g", 0, 1); // the Java SDK commits the last record's offset + 1: before the marker
        assertEquals(0, lag("lag", "g"), "caught up: only the marker is left");
        c.produce("lag", null, "plain", 0); // 2
        String aborted = begin();
        produceTx(aborted, "lag", "a"); // 3
        produceTx(aborted, "lag", "b"); // 4
        end(Opcodes.ABORT_TX, aborted); // marker 5
        assertEquals(1, lag("lag", "g"), "one message ahead; markers and aborted records are none");
        long viewLag = broker.node.view().groups().stream().filter(g -> g.group().equals("g")).findFirst()
                .orElseThrow().partitions().get(0).lag();
        assertEquals(1, viewLag, "flymq_consumer_lag reads the same");
    }

    @Test
    void atomicAcrossTopicsAndPartitions() throws Exception {
        c.createTopic("a", 3);
        String txn = begin();
        for (int i = 0; i < 6; i++) {
            produceTx(txn, "a", "a" + i);
            produceTx(txn, "b", "b" + i);
        }
        int visible = 0;
        for (int p = 0; p < 3; p++) {
            visible += committedValues("a", p).size();
        }
        assertEquals(0, visible + committedValues("b", 0).size());
        end(Opcodes.COMMIT_TX, txn);
        for (int p = 0; p < 3; p++) {
            visible += committedValues("a", p).size();
        }
        assertEquals(6, visible, "round robin over 3 partitions, every record visible");
        assertEquals(6, committedValues("b", 0).size());
    }

    @Test
    void unknownAndMalformedTransactionIdsAreRefused() throws Exception {
        WireClient.Frame unknown = end(Opcodes.COMMIT_TX, "txn-999999");
        assertTrue(unknown.errorText().startsWith("unknown transaction txn-999999"), unknown.errorText());
        WireClient.Frame bad = produceTx("banana", "t", "x");
        assertTrue(bad.errorText().startsWith("invalid transaction id 'banana'"), bad.errorText());
        WireClient.Frame truncated = c.call(Opcodes.COMMIT_TX, new byte[] {0, 9, 't'});
        assertTrue(truncated.isError());
    }

    private WireClient.Frame batchProduceTx(String txn, long sequence, String value) throws Exception {
        var w = payload();
        BatchProduceTxRequest.writeHeader(w, txn, sequence);
        BatchProduceRequest.writer(w, "seq", Acks.LEADER, 1).group(0, 1)
                .record(0, null, value.getBytes(StandardCharsets.UTF_8), 0).end(false);
        return c.call(ExtensionOpcodes.BATCH_PRODUCE_TX, w);
    }

    @Test
    void aRetriedBatchIsAppendedOnceAndAnsweredAsTheFirstTime() throws Exception {
        c.createTopic("seq", 1);
        String txn = begin();
        WireClient.Frame first = batchProduceTx(txn, 0, "a");
        assertEquals(ExtensionOpcodes.BATCH_PRODUCE_TX, first.opcode(), first.isError() ? first.errorText() : "");
        WireClient.Frame retry = batchProduceTx(txn, 0, "a");
        assertEquals(java.util.Arrays.toString(first.payload()), java.util.Arrays.toString(retry.payload()),
                "the same answer, nothing appended again");
        assertFalse(batchProduceTx(txn, 1, "b").isError());
        WireClient.Frame gap = batchProduceTx(txn, 3, "d");
        assertTrue(gap.errorText().contains("batch sequence 3 out of order, expected 2 (or 1 to repeat the last one)"),
                gap.errorText());
        WireClient.Frame old = batchProduceTx(txn, 0, "a");
        assertTrue(old.isError(), "only the last batch can be repeated");
        assertFalse(batchProduceTx(txn, BatchProduceTxRequest.NO_SEQUENCE, "c").isError());
        assertFalse(batchProduceTx(txn, BatchProduceTxRequest.NO_SEQUENCE, "c").isError(), "not deduplicated");
        end(Opcodes.COMMIT_TX, txn);
        assertEquals(List.of("a", "b", "c", "c"), committedValues("seq", 0));
    }

    @Test
    void reservedHeadersAreRefusedInBatchProduce() throws Exception {
        var w = payload();
        BatchProduceRequest.writer(w, "r", Acks.LEADER, 1).group(-1, 1).record(0, null, new byte[] {1}, 1)
                .header("flymq.txn", new byte[8]).end(false);
        WireClient.Frame f = c.call(ExtensionOpcodes.BATCH_PRODUCE, w);
        assertTrue(f.errorText().contains("header 'flymq.txn' is reserved"), f.errorText());
    }

    @Test
    void aTransactionOpenAtRestartIsAbortedAndCommittedOnesStay() throws Exception {
        String committed = begin();
        produceTx(committed, "rs", "kept");
        end(Opcodes.COMMIT_TX, committed);
        String open = begin();
        produceTx(open, "rs", "lost");
        c.close();
        broker.restart();
        c = broker.client();
        assertEquals(List.of("kept"), committedValues("rs", 0));
        c.produce("rs", null, "later", 0);
        assertEquals(List.of("kept", "later"), committedValues("rs", 0), "nothing holds readers back");
        WireClient.Frame commit = end(Opcodes.COMMIT_TX, open);
        assertTrue(commit.errorText().contains("transaction " + open + " is not open: it was aborted"),
                commit.errorText());
        assertFalse(begin().equals(open), "ids are not reused after a restart");
    }

    @Test
    void theTimeoutAbortsATransactionAndReleasesReaders() throws Exception {
        c.close();
        broker.close();
        broker = TestBroker.start(dir, "transaction.timeout", "1");
        c = broker.client();
        String txn = begin();
        produceTx(txn, "to", "slow");
        c.produce("to", null, "plain", 0);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (committedValues("to", 0).isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(List.of("plain"), committedValues("to", 0));
        WireClient.Frame commit = end(Opcodes.COMMIT_TX, txn);
        assertTrue(commit.errorText().contains("aborted after its timeout of 1000 ms"), commit.errorText());
    }

    @Test
    void everyTransactionIsReportedToTheListenerWithItsOutcome() throws Exception {
        c.close();
        broker.close();
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        broker = TestBroker.start(dir, new BrokerListener() {
            @Override
            public void transactionBegun() {
                events.add("begun");
            }

            @Override
            public void transactionEnded(String outcome, long durationMs) {
                events.add(outcome);
            }
        }, "transaction.timeout", "1");
        c = broker.client();
        end(Opcodes.COMMIT_TX, begin());
        end(Opcodes.ABORT_TX, begin());
        begin();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!events.contains("timed_out") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(List.of("begun", "committed", "begun", "aborted", "begun", "timed_out"), events);
    }

    @Test
    void disabledTransactionsAreRefused() throws Exception {
        c.close();
        broker.close();
        broker = TestBroker.start(dir, "transaction.enabled", "false");
        c = broker.client();
        WireClient.Frame f = c.call(Opcodes.BEGIN_TX, new byte[0]);
        assertTrue(f.errorText().contains("transaction.enabled = false"), f.errorText());
    }

    @Test
    void clientTransactionWithBatchesAndBothIsolationLevels() throws Exception {
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + broker.port())) {
            client.createTopic("batch", 2);
            List<ProducerRecord> records = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                records.add(ProducerRecord.of("batch", ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            FlyMqTransaction tx = client.beginTransaction();
            List<PartitionAppend> appended = tx.send("batch", List.of(new PartitionRecords(0, records),
                    new PartitionRecords(1, records)));
            assertTrue(appended.stream().allMatch(PartitionAppend::ok), appended.toString());
            List<FetchPosition> from0 = List.of(new FetchPosition(0, 0), new FetchPosition(1, 0));
            assertEquals(0, messages(client.batchFetch("batch", from0, 1 << 20)), "read committed");
            assertEquals(200, messages(client.batchFetch("batch", from0, 1 << 20,
                    IsolationLevel.READ_UNCOMMITTED)));
            tx.commit();
            List<PartitionFetch> after = client.batchFetch("batch", from0, 1 << 20);
            assertEquals(200, messages(after));
            assertEquals(101, after.get(0).nextOffset(0), "past the commit marker");

            try (FlyMqTransaction aborted = client.beginTransaction()) {
                aborted.send("batch", List.of(new PartitionRecords(0, records)));
            }
            List<PartitionFetch> skipped = client.batchFetch("batch", List.of(new FetchPosition(0, 101)), 1 << 20);
            assertEquals(0, messages(skipped), "aborted records are left out");
            assertEquals(202, skipped.get(0).nextOffset(101), "past the aborted records and their marker");
            assertEquals(100, messages(client.batchFetch("batch", List.of(new FetchPosition(0, 101)), 1 << 20,
                    IsolationLevel.READ_UNCOMMITTED)));

            try (var consumer = new flymq.client.FlyMqConsumer(client, ConsumerConfig.forGroup("").withStartFrom(
                    flymq.client.SubscribeMode.EARLIEST))) {
                consumer.subscribe("batch");
                int seen = 0;
                for (int i = 0; i < 10 && seen < 200; i++) {
                    seen += consumer.poll(java.time.Duration.ofMillis(100)).size();
                }
                assertEquals(200, seen);
            }
            FlyMqTransaction done = client.beginTransaction();
            done.commit();
            assertThrows(IllegalStateException.class, () -> done.produce("batch", new byte[1]));
            FlyMqTransaction stale = client.beginTransaction();
            stale.abort();
            FlyMqServerException e = assertThrows(FlyMqServerException.class,
                    () -> client.beginTransaction().send("batch", List.of()));
            assertTrue(e.getMessage().contains("no record groups"), e.getMessage());
        }
    }

    @Test
    void consumeTransformProduceMovesOutputAndInputPositionTogether() throws Exception {
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + broker.port())) {
            client.createTopic("in", 1);
            client.createTopic("out", 1);
            for (int i = 0; i < 4; i++) {
                client.produce("in", ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            try (FlyMqTransaction failed = client.beginTransaction()) {
                failed.produce("out", "M0".getBytes(StandardCharsets.UTF_8));
                failed.commitOffset("in", "etl", 0, 1);
            } // aborted: neither the output nor the position
            assertGroupUnknown(client);
            assertEquals(0, messages(client.batchFetch("out", List.of(new FetchPosition(0, 0)), 1 << 20)));

            FlyMqTransaction tx = client.beginTransaction();
            for (int i = 0; i < 4; i++) {
                tx.produce("out", ("M" + i).getBytes(StandardCharsets.UTF_8));
            }
            tx.commitOffset("in", "etl", 0, 2);
            tx.commitOffset("in", "etl", 0, 4); // the last one given counts
            assertGroupUnknown(client); // not before the commit
            tx.commit();
            assertEquals(4, client.getOffset("in", "etl", 0));
            assertEquals(4, messages(client.batchFetch("out", List.of(new FetchPosition(0, 0)), 1 << 20)));

            FlyMqTransaction beyond = client.beginTransaction();
            FlyMqServerException e = assertThrows(FlyMqServerException.class,
                    () -> beyond.commitOffset("in", "etl", 0, 99));
            assertTrue(e.getMessage().contains("beyond the end of the partition"), e.getMessage());
            beyond.abort();
        }
    }

    @Test
    void groupOffsetsOfTransactionsSurviveARestartOnlyWhenCommitted() throws Exception {
        c.produce("rin", null, "x", 0);
        String txn = begin();
        c.call(ExtensionOpcodes.TXN_COMMIT_OFFSET, new flymq.protocol.message.TxnCommitOffsetRequest(txn, "rin",
                "g", 0, 1));
        String open = begin();
        c.call(ExtensionOpcodes.TXN_COMMIT_OFFSET, new flymq.protocol.message.TxnCommitOffsetRequest(open, "rin",
                "h", 0, 1));
        end(Opcodes.COMMIT_TX, txn);
        c.close();
        broker.restart();
        c = broker.client();
        assertEquals(1, c.call(Opcodes.GET_OFFSET, payload().str16("rin").str16("g").i32(0)).reader().u64("c"));
        WireClient.Frame h = c.call(Opcodes.GET_OFFSET, payload().str16("rin").str16("h").i32(0));
        assertTrue(h.isError() ? h.errorText().startsWith("consumer group not found") : h.reader().u64("c") == 0,
                "the open transaction's offset was dropped with it");
    }

    private static void assertGroupUnknown(FlyMqClient client) {
        FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> client.getOffset("in", "etl", 0));
        assertTrue(e.getMessage().contains("consumer group not found: in:etl"), e.getMessage());
    }

    private static int messages(List<PartitionFetch> fetched) {
        int n = 0;
        for (PartitionFetch f : fetched) {
            assertTrue(f.ok(), f.error());
            for (Message m : f.records()) {
                assertFalse(m.headers().stream().anyMatch(h -> h.key().equals("flymq.txn.marker")));
                n++;
            }
        }
        return n;
    }
}
