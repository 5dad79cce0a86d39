package flymq.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transaction messages byte for byte as the official SDKs lay them out (Java {@code BinaryProtocol.
 * encodeTxnRequest}/{@code encodeTxnProduceRequest}/{@code decodeTxnResponse}, Python {@code encode_txn_request}/
 * {@code encode_txn_produce_request}/{@code decode_begin_txn_response}), and our BATCH_FETCH isolation byte.
 */
class TransactionMessagesTest {
    private static byte[] bytes(WireMessage m) {
        PayloadWriter w = new PayloadWriter();
        m.write(w);
        return w.toPayload();
    }

    @Test
    void commitAndAbortCarryTheIdAsStr16() {
        assertArrayEquals(new byte[] {0, 5, 't', 'x', 'n', '-', '7'}, bytes(new TxnRequest("txn-7")));
        assertEquals(new TxnRequest("txn-7"), TxnRequest.read(new PayloadReader(bytes(new TxnRequest("txn-7")))));
    }

    @Test
    void responsesAreIdThenSuccessAndTheSdksReadOnlyTheId() {
        byte[] b = bytes(new TxnResponse("txn-12", true));
        assertArrayEquals(new byte[] {0, 6, 't', 'x', 'n', '-', '1', '2', 1}, b);
        assertEquals(new TxnResponse("txn-12", true), TxnResponse.read(new PayloadReader(b)));
        assertEquals(new TxnResponse("txn-1", true),
                TxnResponse.read(new PayloadReader(new byte[] {0, 5, 't', 'x', 'n', '-', '1'})), "id only");
    }

    @Test
    void produceTxIsIdTopicThenLengthPrefixedData() {
        byte[] b = bytes(new ProduceTxRequest("txn-1", "t", "hi".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new byte[] {0, 5, 't', 'x', 'n', '-', '1', 0, 1, 't', 0, 0, 0, 2, 'h', 'i'}, b);
        ProduceTxRequest r = ProduceTxRequest.read(new PayloadReader(b));
        assertEquals("txn-1", r.txnId());
        assertEquals("t", r.topic());
        assertArrayEquals("hi".getBytes(StandardCharsets.UTF_8), r.data());
        assertThrows(MalformedPayloadException.class, () -> ProduceTxRequest.read(new PayloadReader(
                java.util.Arrays.copyOf(b, b.length - 1))));
    }

    @Test
    void batchProduceTxIsTheIdAndSequenceThenABatchProduceBody() {
        PayloadWriter w = new PayloadWriter();
        BatchProduceTxRequest.writeHeader(w, "txn-3", 7);
        BatchProduceRequest.writer(w, "t", Acks.ALL, 1).group(-1, 1).record(0, null, new byte[] {9}, 0).end(false);
        BatchProduceTxRequest r = BatchProduceTxRequest.read(new PayloadReader(w.toPayload()));
        assertEquals("txn-3", r.txnId());
        assertEquals(7, r.sequence());
        assertEquals("t", r.batch().topic());
        assertEquals(Acks.ALL, r.batch().acks());
        assertEquals(1, r.batch().groups().get(0).recordCount());
    }

    @Test
    void batchFetchIsolationIsAnOptionalTrailingByteAfterTheForwardedOne() {
        List<BatchFetchRequest.Position> at = List.of(new BatchFetchRequest.Position(0, 5));
        byte[] committed = bytes(new BatchFetchRequest("t", 100, at, false));
        byte[] uncommitted = bytes(new BatchFetchRequest("t", 100, at, false,
                BatchFetchRequest.Isolation.READ_UNCOMMITTED));
        assertEquals(committed.length + 2, uncommitted.length, "a zero forwarded byte, then the isolation byte");
        assertEquals(0, uncommitted[uncommitted.length - 2]);
        assertEquals(1, uncommitted[uncommitted.length - 1]);
        assertEquals(BatchFetchRequest.Isolation.READ_COMMITTED,
                BatchFetchRequest.read(new PayloadReader(committed)).isolation(), "absent: read committed");
        BatchFetchRequest back = BatchFetchRequest.read(new PayloadReader(uncommitted));
        assertEquals(BatchFetchRequest.Isolation.READ_UNCOMMITTED, back.isolation());
        assertFalse(back.forwarded());
        BatchFetchRequest forwarded = BatchFetchRequest.read(new PayloadReader(bytes(new BatchFetchRequest("t", 100,
                at, true, BatchFetchRequest.Isolation.READ_UNCOMMITTED))));
        assertTrue(forwarded.forwarded());
        assertEquals(BatchFetchRequest.Isolation.READ_UNCOMMITTED, forwarded.isolation());
        byte[] bad = uncommitted.clone();
        bad[bad.length - 1] = 7;
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> BatchFetchRequest.read(new PayloadReader(bad)));
        assertTrue(e.getMessage().contains("unknown isolation level 7"), e.getMessage());
    }
}
