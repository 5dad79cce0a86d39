package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * TXN_FORWARD 0xC6 request (cluster-internal; the SDKs never send it): {@code u8 opcode · payload}, the payload being
 * the rest of the frame: a transaction request (BEGIN_TX, COMMIT_TX, ABORT_TX, PRODUCE_TX, BATCH_PRODUCE_TX or
 * TXN_COMMIT_OFFSET, {@code opcode}) exactly as the client sent it, which a node forwards to the node that runs the
 * cluster's transaction coordinator. The receiver serves it there or refuses it ("not leader"), never forwarding it
 * again, so a request cannot bounce between nodes while leadership moves. The answer is the wrapped request's answer.
 */
public record TxnForwardRequest(int opcode, byte[] payload) implements WireMessage {

    public static TxnForwardRequest read(PayloadReader in) {
        int opcode = in.u8("opcode");
        byte[] payload = new byte[in.remaining()];
        System.arraycopy(in.array(), in.position(), payload, 0, payload.length);
        in.skip(payload.length, "payload");
        return new TxnForwardRequest(opcode, payload);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u8(opcode).raw(payload, 0, payload.length);
    }

    @Override
    public int sizeHint() {
        return 1 + payload.length;
    }
}
