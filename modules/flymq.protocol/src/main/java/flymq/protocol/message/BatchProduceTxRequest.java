package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * BATCH_PRODUCE_TX 0xC2 request (extension): {@code str16 txn_id} followed by a {@link BatchProduceRequest} body
 * (without its forwarded marker: the request is served only where the transaction lives). Every record is appended
 * as part of the transaction; answered with a {@link BatchProduceResponse}. This is the fast path of a
 * transactional producer: one request per batch instead of one PRODUCE_TX per record.
 */
public record BatchProduceTxRequest(String txnId, BatchProduceRequest batch) implements WireMessage {

    public static BatchProduceTxRequest read(PayloadReader in) {
        return new BatchProduceTxRequest(in.str16("txn_id"), BatchProduceRequest.read(in));
    }

    /** Writes the transaction id; the caller then writes the BATCH_PRODUCE body. */
    public static void writeTxnId(PayloadWriter out, String txnId) {
        out.str16(txnId);
    }

    @Override
    public void write(PayloadWriter out) {
        writeTxnId(out, txnId);
        batch.write(out);
    }

    @Override
    public int sizeHint() {
        return 2 + txnId.length() * 3 + batch.sizeHint();
    }
}
