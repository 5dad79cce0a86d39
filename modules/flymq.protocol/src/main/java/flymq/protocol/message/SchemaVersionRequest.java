package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * GET_SCHEMA 0x11 and DELETE_SCHEMA 0x15 request (wire spec 11): {@code str16 subject · u32 version ·
 * [u8 forwarded]}. Version 0: GET answers the latest version, DELETE removes every version of the subject (as
 * Confluent's {@code DELETE /subjects/{s}}). The {@link Forwarded} marker is written by a cluster node that passes
 * a DELETE on to the metadata leader.
 */
public record SchemaVersionRequest(String subject, int version, boolean forwarded) implements WireMessage {

    public static SchemaVersionRequest read(PayloadReader in) {
        return new SchemaVersionRequest(in.str16("name"), (int) in.u32("version"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(subject).u32(version & 0xFFFF_FFFFL);
        Forwarded.write(out, forwarded);
    }
}
