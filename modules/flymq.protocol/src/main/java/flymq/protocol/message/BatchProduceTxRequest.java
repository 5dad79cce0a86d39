package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * BATCH_PRODUCE_TX 0xC2 request (extension): {@code str16 txn_id · i64 sequence} followed by a
 * {@link BatchProduceRequest} body (without its forwarded marker: the request is served only where the transaction
 * lives). Every record is appended as part of the transaction; answered with a {@link BatchProduceResponse}. This is
 * the fast path of a transactional producer: one request per batch instead of one PRODUCE_TX per record.
 *
 * <p>{@code sequence} makes a retry safe (an idempotent producer): a transaction's requests carry 0, 1, 2, ...; the
 * broker appends a request whose sequence is the next one, answers a repeat of the last one with that request's
 * answer without appending anything, and refuses any other. {@link #NO_SEQUENCE} (-1) opts out.
 */
public record BatchProduceTxRequest(String txnId, long sequence, BatchProduceRequest batch) implements WireMessage {
    /** A request that is not deduplicated. */
    public static final long NO_SEQUENCE = -1;

    public static BatchProduceTxRequest read(PayloadReader in) {
        return new BatchProduceTxRequest(in.str16("txn_id"), in.i64("sequence"), BatchProduceRequest.read(in));
    }

    /** Writes the transaction id and sequence; the caller then writes the BATCH_PRODUCE body. */
    public static void writeHeader(PayloadWriter out, String txnId, long sequence) {
        out.str16(txnId).i64(sequence);
    }

    @Override
    public void write(PayloadWriter out) {
        writeHeader(out, txnId, sequence);
        batch.write(out);
    }

    @Override
    public int sizeHint() {
        return 10 + txnId.length() * 3 + batch.sizeHint();
    }
}
