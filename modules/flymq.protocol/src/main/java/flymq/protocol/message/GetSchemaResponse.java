package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * GET_SCHEMA 0x11 response, Go's layout (wire spec 11): {@code str16 id · str16 subject · u32 version · str8 type ·
 * bytes32 definition · str8 compatibility}. {@code id} is the registry-wide schema id in decimal (Go sends
 * {@code NAME-vN} there; no SDK reads it: the Python SDK decodes this answer with its LIST decoder and gets
 * nonsense, the Java SDK has no GET).
 */
public record GetSchemaResponse(String id, String subject, int version, String type, byte[] definition,
                                String compatibility) implements WireMessage {

    public static GetSchemaResponse read(PayloadReader in) {
        return new GetSchemaResponse(in.str16("id"), in.str16("name"), (int) in.u32("version"), in.str8("type"),
                in.bytes32("definition"), in.str8("compatibility"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(id).str16(subject).u32(version).str8(type).bytes32(definition).str8(compatibility);
    }

    @Override
    public int sizeHint() {
        return subject.length() * 3 + definition.length + 48;
    }
}
