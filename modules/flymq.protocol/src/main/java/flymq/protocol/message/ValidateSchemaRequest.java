package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** VALIDATE_SCHEMA 0x13 request (wire spec 11): {@code str16 subject · bytes32 message}. */
public record ValidateSchemaRequest(String subject, byte[] message) implements WireMessage {

    public static ValidateSchemaRequest read(PayloadReader in) {
        return new ValidateSchemaRequest(in.str16("name"), in.bytes32("message"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(subject).bytes32(message);
    }

    @Override
    public int sizeHint() {
        return subject.length() * 3 + message.length + 8;
    }
}
