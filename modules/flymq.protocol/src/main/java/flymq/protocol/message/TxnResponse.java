package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * BEGIN_TX 0x40, COMMIT_TX 0x41 and ABORT_TX 0x42 response (wire spec 11): {@code str16 txn_id · bool success}.
 * BEGIN_TX's request is empty. Both official SDKs read only {@code txn_id} and ignore {@code success}, so a broker
 * that refuses a commit answers with an ERROR frame, never with {@code success = 0}; {@link #read} accepts a
 * payload that ends after the id, as the SDKs do.
 */
public record TxnResponse(String txnId, boolean success) implements WireMessage {

    public static TxnResponse read(PayloadReader in) {
        String id = in.str16("txn_id");
        return new TxnResponse(id, !in.hasRemaining() || in.bool("success"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(txnId).bool(success);
    }

    @Override
    public int sizeHint() {
        return 3 + txnId.length() * 3;
    }
}
