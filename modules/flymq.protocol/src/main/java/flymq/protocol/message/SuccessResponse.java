package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * {@code bool success}: the answer of CREATE_TOPIC 0x03, DELETE_TOPIC 0x09, COMMIT 0x06, RESET_OFFSET 0x61,
 * DELETE_GROUP 0x65 and CLUSTER_REGISTER 0xCF (one byte {@code 0x01}; failures are ERROR frames).
 */
public record SuccessResponse(boolean success) implements WireMessage {
    public static final SuccessResponse OK = new SuccessResponse(true);

    public static SuccessResponse read(PayloadReader in) {
        return new SuccessResponse(in.bool("success"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(success);
    }

    @Override
    public int sizeHint() {
        return 1;
    }
}
