package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** TXN_APPEND 0xC7 response (cluster-internal): {@code i64 base_offset}, where the first record was appended. */
public record TxnAppendResponse(long baseOffset) implements WireMessage {

    public static TxnAppendResponse read(PayloadReader in) {
        return new TxnAppendResponse(in.i64("base_offset"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.i64(baseOffset);
    }

    @Override
    public int sizeHint() {
        return 8;
    }
}
