package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * COMMIT_TX 0x41 and ABORT_TX 0x42 request (wire spec 11): {@code str16 txn_id}, the id BEGIN_TX answered with.
 * Answered with a {@link TxnResponse}.
 */
public record TxnRequest(String txnId) implements WireMessage {

    public static TxnRequest read(PayloadReader in) {
        return new TxnRequest(in.str16("txn_id"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(txnId);
    }

    @Override
    public int sizeHint() {
        return 2 + txnId.length() * 3;
    }
}
