package flymq.broker.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One change to the users and ACLs, as it travels through the metadata Raft group (metadata command 17, the
 * SECURITY_CHANGE 0xCD forward) and is applied by {@link SecurityStore#apply}. Encoded as one JSON object:
 * <pre>
 *   {"op":"put_user","user":{...}}      a user as security.json stores it (with its password hash)
 *   {"op":"delete_user","name":"..."}
 *   {"op":"put_acl","acl":{...}}        an ACL as security.json stores it
 *   {"op":"delete_acl","topic":"..."}
 * </pre>
 * A change carries whole entries, never deltas, so applying one twice (a Raft log replayed over a restored file)
 * leaves the same state. Passwords are hashed before a change is made: the log and the snapshots only ever hold
 * hashes.
 */
public sealed interface SecurityChange {
    ObjectMapper JSON = new ObjectMapper();

    record PutUser(User user) implements SecurityChange {
    }

    record DeleteUser(String name) implements SecurityChange {
    }

    record PutAcl(TopicAcl acl) implements SecurityChange {
    }

    record DeleteAcl(String topic) implements SecurityChange {
    }

    default byte[] encode() {
        ObjectNode o = JSON.createObjectNode();
        switch (this) {
            case PutUser p -> o.put("op", "put_user").set("user", SecurityStore.userJson(p.user()));
            case DeleteUser d -> o.put("op", "delete_user").put("name", d.name());
            case PutAcl p -> o.put("op", "put_acl").set("acl", SecurityStore.aclJson(p.acl()));
            case DeleteAcl d -> o.put("op", "delete_acl").put("topic", d.topic());
        }
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException for bytes that are not a change */
    static SecurityChange decode(byte[] bytes) {
        JsonNode o;
        try {
            o = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("security change is not JSON (" + bytes.length + " bytes): " + e);
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("security change is not a JSON object (" + bytes.length + " bytes)");
        }
        String op = o.path("op").asText("");
        return switch (op) {
            case "put_user" -> new PutUser(SecurityStore.user(o.path("user"), "security change"));
            case "delete_user" -> new DeleteUser(SecurityStore.text(o, "name", "security change"));
            case "put_acl" -> new PutAcl(SecurityStore.acl(o.path("acl"), "security change"));
            case "delete_acl" -> new DeleteAcl(SecurityStore.text(o, "topic", "security change"));
            default -> throw new IllegalArgumentException("unknown security change op '" + op + "'");
        };
    }
}
