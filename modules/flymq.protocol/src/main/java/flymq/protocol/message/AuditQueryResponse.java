package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * AUDIT_QUERY 0x80 response (wire spec section 11): {@code u32 n · n × (u32 len · AuditEvent) · i32 total ·
 * bool has_more}. {@code total} counts every matching event, {@code has_more} says whether a later page holds more.
 * Each event's length prefix must equal the bytes its fields take.
 */
public record AuditQueryResponse(List<AuditEvent> events, int total, boolean hasMore) implements WireMessage {
    /** The smallest event with its length prefix: nine empty strings, an i64, an empty map. */
    private static final int MIN_EVENT_BYTES = 4 + 8 * 2 + 8 + 2 + 4;

    public AuditQueryResponse {
        events = List.copyOf(events);
    }

    public static AuditQueryResponse read(PayloadReader in) {
        int n = in.count("events", MIN_EVENT_BYTES);
        List<AuditEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long length = in.u32("event length");
            int before = in.position();
            events.add(AuditEvent.read(in));
            if (in.position() - before != length) {
                throw new MalformedPayloadException("invalid binary format: audit event " + i + " declares "
                        + length + " bytes, holds " + (in.position() - before));
            }
        }
        return new AuditQueryResponse(events, in.i32("total"), in.bool("has_more"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(events.size());
        for (AuditEvent e : events) {
            int at = out.size();
            out.u32(0);
            e.write(out);
            out.patchI32(at, out.size() - at - 4);
        }
        out.i32(total).bool(hasMore);
    }

    @Override
    public int sizeHint() {
        return 9 + events.stream().mapToInt(e -> e.sizeHint() + 4).sum();
    }
}
