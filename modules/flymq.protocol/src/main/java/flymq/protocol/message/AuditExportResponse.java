package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** AUDIT_EXPORT 0x81 response (wire spec section 11): {@code str16 format · bytes32 data}, the file's bytes. */
public record AuditExportResponse(String format, byte[] data) implements WireMessage {

    public static AuditExportResponse read(PayloadReader in) {
        return new AuditExportResponse(in.str16("format"), in.bytes32("data"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(format).bytes32(data);
    }

    @Override
    public int sizeHint() {
        return 6 + format.length() * 3 + data.length;
    }
}
