package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * REGISTER_SCHEMA 0x10 request (wire spec 11): {@code str16 subject · str8 type · bytes32 definition ·
 * [str8 compatibility · [u8 forwarded]]}. Both SDKs and Go send the first three fields only; the optional
 * {@code compatibility} (ours: {@code BACKWARD}, {@code FULL_TRANSITIVE}, ...; empty = keep the subject's mode) sets
 * the subject's compatibility mode from this registration on. A cluster node that forwards the request to the
 * metadata leader always writes {@code compatibility} (possibly empty) and then the {@link Forwarded} marker.
 */
public record RegisterSchemaRequest(String subject, String type, byte[] definition, String compatibility,
                                    boolean forwarded) implements WireMessage {

    public static RegisterSchemaRequest read(PayloadReader in) {
        String subject = in.str16("name");
        String type = in.str8("type");
        byte[] definition = in.bytes32("definition");
        String compatibility = in.hasRemaining() ? in.str8("compatibility") : "";
        return new RegisterSchemaRequest(subject, type, definition, compatibility, Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(subject).str8(type).bytes32(definition);
        if (!compatibility.isEmpty() || forwarded) {
            out.str8(compatibility);
        }
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return subject.length() * 3 + definition.length + 32;
    }
}
