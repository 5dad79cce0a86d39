package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * REGISTER_SCHEMA 0x10 response (wire spec 11): {@code str16 subject · str8 type · u32 version}, Go's layout (the SDKs
 * read nothing of it). Ours appends {@code u32 id} (the registry-wide schema id; SDKs ignore trailing bytes).
 */
public record RegisterSchemaResponse(String subject, String type, int version, int id) implements WireMessage {

    public static RegisterSchemaResponse read(PayloadReader in) {
        String subject = in.str16("name");
        String type = in.str8("type");
        int version = (int) in.u32("version");
        int id = in.remaining() >= 4 ? (int) in.u32("id") : 0;
        return new RegisterSchemaResponse(subject, type, version, id);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(subject).str8(type).u32(version).u32(id);
    }
}
