package flymq.broker.schema;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A change to the registry, applied the same way on every node ({@link SchemaRegistry#apply}), and its binary form,
 * which a cluster carries in the metadata Raft log (inside {@code MetadataCommand} type 16):
 * <pre>
 *   u8 kind
 *   kind 1 REGISTER: utf subject · utf format (json|avro|protobuf) · i32 n · n bytes definition ·
 *                    utf compatibility ("" = keep the subject's) · i64 registered_ms (the proposer's clock) ·
 *                    utf fallback (the proposer's schema.compatibility, "" = the applying node's)
 *   kind 2 DELETE:   utf subject · i32 version (0 = every version)
 * </pre>
 * Strings are {@link DataOutputStream#writeUTF}'s. Unknown kinds and trailing bytes are refused.
 */
public sealed interface SchemaChange {
    int REGISTER = 1;
    int DELETE = 2;

    /**
     * @param compatibility the subject's mode from now on, or null to keep it
     * @param fallback      the mode when neither this change nor the subject sets one: the proposer's
     *                      {@code schema.compatibility}, carried so that every node judges the registration alike
     *                      even when their configurations differ; null = the applying registry's default
     */
    record Register(String subject, SchemaFormat format, byte[] definition, Compatibility compatibility,
                    long registeredMs, Compatibility fallback) implements SchemaChange {

        /** A registration judged by the applying registry's default when the subject has no mode. */
        public Register(String subject, SchemaFormat format, byte[] definition, Compatibility compatibility,
                        long registeredMs) {
            this(subject, format, definition, compatibility, registeredMs, null);
        }
    }

    record Delete(String subject, int version) implements SchemaChange {
    }

    default byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            switch (this) {
                case Register r -> {
                    out.writeByte(REGISTER);
                    out.writeUTF(r.subject());
                    out.writeUTF(r.format().wireName());
                    out.writeInt(r.definition().length);
                    out.write(r.definition());
                    out.writeUTF(r.compatibility() == null ? "" : r.compatibility().name());
                    out.writeLong(r.registeredMs());
                    out.writeUTF(r.fallback() == null ? "" : r.fallback().name());
                }
                case Delete d -> {
                    out.writeByte(DELETE);
                    out.writeUTF(d.subject());
                    out.writeInt(d.version());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static SchemaChange decode(byte[] bytes) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            int kind = in.readUnsignedByte();
            SchemaChange c = switch (kind) {
                case REGISTER -> {
                    String subject = in.readUTF();
                    SchemaFormat format = SchemaFormat.fromWire(in.readUTF());
                    int n = in.readInt();
                    if (n < 0 || n > in.available()) {
                        throw new IOException("definition length " + n + " with " + in.available() + " bytes left");
                    }
                    byte[] definition = in.readNBytes(n);
                    yield new Register(subject, format, definition, Compatibility.parse(in.readUTF()),
                            in.readLong(), Compatibility.parse(in.readUTF()));
                }
                case DELETE -> new Delete(in.readUTF(), in.readInt());
                default -> throw new IllegalArgumentException("unknown schema change kind " + kind + " ("
                        + bytes.length + " bytes)");
            };
            if (in.available() > 0) {
                throw new IllegalArgumentException("schema change kind " + kind + " has " + in.available()
                        + " trailing bytes of " + bytes.length);
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated schema change (" + bytes.length + " bytes): " + e, e);
        }
    }
}
