package flymq.broker.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flymq.storage.StorageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry's whole state as one JSON document: the content of {@code schemas.json} on a single node and the
 * schema section of a cluster's metadata snapshot.
 * <pre>
 * {"next_id": 3,
 *  "subjects": [
 *    {"subject": "orders-value", "compatibility": "BACKWARD" or null (the broker's default), "next_version": 3,
 *     "versions": [{"version": 1, "id": 1, "format": "json", "registered_ms": 1767225600000,
 *                   "definition": "BASE64 of the definition's bytes"}, ...]}]}
 * </pre>
 * Definitions are base64 because a Protobuf definition is binary. Unknown fields are ignored; a document that
 * does not fit is refused naming where it came from.
 */
final class SchemaSnapshot {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaSnapshot() {
    }

    static byte[] encode(SchemaRegistry.State state) {
        ObjectNode root = JSON.createObjectNode();
        root.put("next_id", state.nextId());
        ArrayNode subjects = root.putArray("subjects");
        for (SchemaRegistry.Subject s : state.subjects().values()) {
            ObjectNode o = subjects.addObject();
            o.put("subject", s.name());
            if (s.compatibility() == null) {
                o.putNull("compatibility");
            } else {
                o.put("compatibility", s.compatibility().name());
            }
            o.put("next_version", s.nextVersion());
            ArrayNode versions = o.putArray("versions");
            for (SchemaVersion v : s.versions()) {
                versions.addObject()
                        .put("version", v.version())
                        .put("id", v.id())
                        .put("format", v.format().wireName())
                        .put("registered_ms", v.registeredMs())
                        .put("definition", Base64.getEncoder().encodeToString(v.definition()));
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the schema registry", e);
        }
    }

    static SchemaRegistry.State decode(byte[] bytes, String source) {
        try {
            JsonNode root = JSON.readTree(bytes);
            Map<String, SchemaRegistry.Subject> subjects = new TreeMap<>();
            for (JsonNode o : root.path("subjects")) {
                String name = text(o, "subject", source);
                List<SchemaVersion> versions = new ArrayList<>();
                for (JsonNode v : o.path("versions")) {
                    versions.add(new SchemaVersion(name, number(v, "version", source), number(v, "id", source),
                            SchemaFormat.fromWire(text(v, "format", source)),
                            Base64.getDecoder().decode(text(v, "definition", source)),
                            v.path("registered_ms").asLong()));
                }
                if (versions.isEmpty()) {
                    throw new StorageException(source + ": subject '" + name + "' has no versions");
                }
                JsonNode mode = o.get("compatibility");
                subjects.put(name, new SchemaRegistry.Subject(name, versions, number(o, "next_version", source),
                        mode == null || mode.isNull() ? null : Compatibility.parse(mode.asText())));
            }
            return SchemaRegistry.State.of(subjects, number(root, "next_id", source));
        } catch (IOException | IllegalArgumentException e) {
            throw new StorageException(source + " is not a schema registry document: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode o, String field, String source) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new StorageException(source + ": missing text field '" + field + "' in " + o);
        }
        return n.asText();
    }

    private static int number(JsonNode o, String field, String source) {
        JsonNode n = o.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new StorageException(source + ": missing number field '" + field + "'");
        }
        return n.intValue();
    }
}
