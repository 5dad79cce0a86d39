package flymq.broker.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flymq.telemetry.HttpView;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A read-only view of the registry on the paths of Confluent Schema Registry's REST API that tools read most, with
 * its JSON shapes and error codes:
 * <pre>
 *   GET /subjects                                  ["orders-value", ...]
 *   GET /subjects/{subject}/versions               [1, 2]                                     404: 40401
 *   GET /subjects/{subject}/versions/{v|latest}    {"subject","version","id","schemaType","schema"}  404: 40401, 40402
 *   GET /subjects/{subject}/versions/{v}/schema    the schema alone
 *   GET /schemas/ids/{id}                          {"schema","schemaType"}                    404: 40403
 * </pre>
 * {@code schemaType} is left out for Avro (Confluent's default), {@code JSON} or {@code PROTOBUF} otherwise. A
 * Protobuf "schema" is the registered descriptor set in base64 (Confluent shows {@code .proto} text, which this
 * registry does not keep). Served by telemetry's metrics listener through {@link HttpView} for now; it depends on
 * nothing but the registry, so it moves to an admin HTTP server as it is.
 */
public final class SchemaHttpView implements HttpView {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaRegistry registry;

    public SchemaHttpView(SchemaRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Optional<Answer> get(String path) {
        String[] p = path.replaceAll("/+$", "").split("/", -1);
        // p[0] is "" (the leading slash)
        if (p.length >= 2 && p[1].equals("subjects")) {
            if (p.length == 2) {
                return ok(registry.subjects());
            }
            String subject = URLDecoder.decode(p[2], StandardCharsets.UTF_8);
            if (p.length < 4 || !p[3].equals("versions") || p.length > 6 || p.length == 6 && !p[5].equals("schema")) {
                return Optional.empty();
            }
            List<SchemaVersion> versions = registry.versions(subject);
            if (versions.isEmpty()) {
                return error(404, 40401, "Subject '" + subject + "' not found.");
            }
            if (p.length == 4) {
                return ok(versions.stream().map(SchemaVersion::version).toList());
            }
            int number;
            if (p[4].equals("latest") || p[4].equals("-1")) {
                number = 0;
            } else {
                try {
                    number = Integer.parseInt(p[4]);
                } catch (NumberFormatException e) {
                    number = -2;
                }
                if (number <= 0) {
                    return error(422, 42202, "The specified version '" + p[4] + "' is not a valid version id. "
                            + "Allowed values are between [1, 2^31-1] and the string \"latest\"");
                }
            }
            Optional<SchemaVersion> v = registry.version(subject, number);
            if (v.isEmpty()) {
                return error(404, 40402, "Version " + p[4] + " not found.");
            }
            if (p.length == 6) {
                return Optional.of(new Answer(200, CONTENT_TYPE, schemaText(v.get())));
            }
            ObjectNode o = JSON.createObjectNode().put("subject", subject).put("version", v.get().version())
                    .put("id", v.get().id());
            schemaType(o, v.get());
            o.put("schema", schemaText(v.get()));
            return ok(o);
        }
        if (p.length == 4 && p[1].equals("schemas") && p[2].equals("ids")) {
            int id;
            try {
                id = Integer.parseInt(p[3]);
            } catch (NumberFormatException e) {
                return error(404, 40403, "Schema " + p[3] + " not found");
            }
            Optional<SchemaVersion> v = registry.byId(id);
            if (v.isEmpty()) {
                return error(404, 40403, "Schema " + id + " not found");
            }
            ObjectNode o = JSON.createObjectNode().put("schema", schemaText(v.get()));
            schemaType(o, v.get());
            return ok(o);
        }
        return Optional.empty();
    }

    private static void schemaType(ObjectNode o, SchemaVersion v) {
        if (v.format() != SchemaFormat.AVRO) {
            o.put("schemaType", v.format().confluentName());
        }
    }

    private static String schemaText(SchemaVersion v) {
        return v.format() == SchemaFormat.PROTOBUF ? Base64.getEncoder().encodeToString(v.definition())
                : new String(v.definition(), StandardCharsets.UTF_8);
    }

    private static Optional<Answer> ok(Object body) {
        try {
            return Optional.of(new Answer(200, CONTENT_TYPE, JSON.writeValueAsString(body)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<Answer> error(int status, int code, String message) {
        ObjectNode o = JSON.createObjectNode().put("error_code", code).put("message", message);
        return Optional.of(new Answer(status, CONTENT_TYPE, o.toString()));
    }
}
