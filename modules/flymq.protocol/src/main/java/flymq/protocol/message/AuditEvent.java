package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One audit event as AUDIT_QUERY 0x80 carries it (wire spec section 11): {@code str16 id · i64 timestamp_ms ·
 * str16 type · str16 user · str16 client_ip · str16 resource · str16 action · str16 result · str16 node_id ·
 * u32 k · k × (str16 key · str16 value)}. Details are written sorted by key, so one event always has one encoding.
 */
public record AuditEvent(String id, long timestampMs, String type, String user, String clientIp, String resource,
                         String action, String result, String nodeId, Map<String, String> details)
        implements WireMessage {
    public AuditEvent {
        details = Map.copyOf(details);
    }

    public static AuditEvent read(PayloadReader in) {
        String id = in.str16("id");
        long ts = in.i64("timestamp");
        String type = in.str16("type");
        String user = in.str16("user");
        String ip = in.str16("client_ip");
        String resource = in.str16("resource");
        String action = in.str16("action");
        String result = in.str16("result");
        String node = in.str16("node_id");
        int k = in.count("details", 4);
        Map<String, String> details = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            details.put(in.str16("detail key"), in.str16("detail value"));
        }
        return new AuditEvent(id, ts, type, user, ip, resource, action, result, node, details);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(id).i64(timestampMs).str16(type).str16(user).str16(clientIp).str16(resource).str16(action)
                .str16(result).str16(nodeId).u32(details.size());
        details.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.str16(e.getKey()).str16(e.getValue()));
    }

    @Override
    public int sizeHint() {
        int n = 30 + (id.length() + type.length() + user.length() + clientIp.length() + resource.length()
                + action.length() + result.length() + nodeId.length()) * 3;
        for (Map.Entry<String, String> e : details.entrySet()) {
            n += 4 + (e.getKey().length() + e.getValue().length()) * 3;
        }
        return n;
    }
}
