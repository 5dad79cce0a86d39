package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** DELETE_SCHEMA 0x15 response (wire spec 11): {@code bool success · str16 message}. */
public record DeleteSchemaResponse(boolean success, String message) implements WireMessage {

    public static DeleteSchemaResponse read(PayloadReader in) {
        return new DeleteSchemaResponse(in.bool("success"), in.str16("message"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(success).str16(message);
    }
}
