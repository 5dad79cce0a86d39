package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * AUDIT_EXPORT 0x81 request (wire spec section 11): {@code u32 len · AUDIT_QUERY body · str16 format}, format
 * {@code json} or {@code csv}. The length prefix lets a later query layout grow: bytes of the query body this reader
 * does not know are skipped.
 */
public record AuditExportRequest(AuditQueryRequest query, String format) implements WireMessage {

    public static AuditExportRequest read(PayloadReader in) {
        long length = in.u32("query length");
        int before = in.position();
        AuditQueryRequest q = AuditQueryRequest.read(in);
        int used = in.position() - before;
        if (used > length) {
            throw new MalformedPayloadException("invalid binary format: audit query declares " + length
                    + " bytes, holds " + used);
        }
        in.skip((int) (length - used), "query");
        return new AuditExportRequest(q, in.str16("format"));
    }

    @Override
    public void write(PayloadWriter out) {
        int at = out.size();
        out.u32(0);
        query.write(out);
        out.patchI32(at, out.size() - at - 4);
        out.str16(format);
    }

    @Override
    public int sizeHint() {
        return 6 + query.sizeHint() + format.length() * 3;
    }
}
