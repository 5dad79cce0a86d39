package flymq.broker.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.AuditEvent;
import flymq.protocol.message.AuditExportRequest;
import flymq.protocol.message.AuditExportResponse;
import flymq.protocol.message.AuditQueryRequest;
import flymq.protocol.message.AuditQueryResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * AUDIT_QUERY 0x80 and AUDIT_EXPORT 0x81 (admin only, wire spec section 11) over this node's {@link AuditTrail}.
 * A query page holds 100 events unless the request asks for up to 10,000; an export holds up to 100,000.
 *
 * <p>Export formats: {@code json}, an array of the events as the trail stores them (details sorted by key); and
 * {@code csv} with the header {@code id,timestamp_ms,type,user,client_ip,resource,action,result,node_id,details},
 * details as {@code key=value} pairs joined by {@code ;}. CSV cells are quoted when they hold a comma, quote or
 * line break, and a cell starting with {@code = + - @} gets a leading {@code '} so that a spreadsheet does not run
 * a user-chosen name as a formula.
 */
public final class AuditRequests {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;
    static final int MAX_EXPORT = 100_000;
    static final String CSV_HEADER = "id,timestamp_ms,type,user,client_ip,resource,action,result,node_id,details";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuditTrail trail;

    public AuditRequests(AuditTrail trail) {
        this.trail = trail;
    }

    public void query(Session session, PayloadReader in, PayloadWriter out) {
        AuditQueryRequest q = AuditQueryRequest.read(in);
        AuditTrail.Page page = requireTrail().query(q, DEFAULT_LIMIT, MAX_LIMIT);
        new AuditQueryResponse(page.events(), page.total(), page.hasMore()).write(out);
    }

    public void export(Session session, PayloadReader in, PayloadWriter out) {
        AuditExportRequest r = AuditExportRequest.read(in);
        String format = r.format().toLowerCase(Locale.ROOT);
        if (!format.equals("json") && !format.equals("csv")) {
            throw new RequestException("unknown audit export format '" + r.format() + "': expected json or csv");
        }
        AuditQueryRequest q = r.query();
        AuditQueryRequest all = new AuditQueryRequest(q.startSeconds(), q.endSeconds(), q.types(), q.user(),
                q.resource(), q.result(), q.search(), q.limit() <= 0 ? MAX_EXPORT : Math.min(q.limit(), MAX_EXPORT),
                q.offset());
        List<AuditEvent> events = requireTrail().query(all, MAX_EXPORT, MAX_EXPORT).events();
        byte[] data = format.equals("json") ? json(events) : csv(events);
        new AuditExportResponse(format, data).write(out);
    }

    private AuditTrail requireTrail() {
        if (!trail.enabled()) {
            throw new RequestException("the audit trail is off on this node (audit.enabled = false)");
        }
        return trail;
    }

    static byte[] json(List<AuditEvent> events) {
        ArrayNode a = JSON.createArrayNode();
        for (AuditEvent e : events) {
            ObjectNode o = a.addObject()
                    .put("id", e.id())
                    .put("timestamp_ms", e.timestampMs())
                    .put("type", e.type())
                    .put("user", e.user())
                    .put("client_ip", e.clientIp())
                    .put("resource", e.resource())
                    .put("action", e.action())
                    .put("result", e.result())
                    .put("node_id", e.nodeId());
            ObjectNode d = o.putObject("details");
            new TreeMap<>(e.details()).forEach(d::put);
        }
        return a.toPrettyString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] csv(List<AuditEvent> events) {
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (AuditEvent e : events) {
            String details = new TreeMap<>(e.details()).entrySet().stream()
                    .map((Map.Entry<String, String> en) -> en.getKey() + "=" + en.getValue())
                    .collect(Collectors.joining(";"));
            b.append(String.join(",", cell(e.id()), Long.toString(e.timestampMs()), cell(e.type()), cell(e.user()),
                    cell(e.clientIp()), cell(e.resource()), cell(e.action()), cell(e.result()), cell(e.nodeId()),
                    cell(details))).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String cell(String s) {
        String v = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
            return v;
        }
        return "\"" + v.replace("\"", "\"\"") + "\"";
    }
}
