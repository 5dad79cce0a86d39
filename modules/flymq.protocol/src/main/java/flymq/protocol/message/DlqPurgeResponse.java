package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** PURGE_DLQ 0x22 response (wire spec 11): {@code bool success · str16 message}. */
public record DlqPurgeResponse(boolean success, String message) implements WireMessage {

    public static DlqPurgeResponse read(PayloadReader in) {
        return new DlqPurgeResponse(in.bool("success"), in.str16("message"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(success).str16(message);
    }
}
