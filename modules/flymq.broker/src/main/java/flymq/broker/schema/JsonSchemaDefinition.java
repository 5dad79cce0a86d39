package flymq.broker.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON Schema, validated by networknt json-schema-validator with draft 2020-12 as the default dialect (a
 * {@code $schema} keyword picks another draft). A record is one JSON document (UTF-8; trailing content after it is a
 * violation).
 *
 * <p>The library has no notion of compatibility between two schemas; {@link JsonSchemaCompatibility} is the small,
 * conservative rule set this registry uses instead (docs/schemas.md lists it).
 */
final class JsonSchemaDefinition implements ParsedSchema {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private final JsonNode node;
    private final Schema schema;

    private JsonSchemaDefinition(JsonNode node, Schema schema) {
        this.node = node;
        this.schema = schema;
    }

    static JsonSchemaDefinition parse(byte[] definition) {
        JsonNode node;
        try {
            node = JSON.readTree(definition);
        } catch (IOException e) {
            throw new InvalidSchemaException("invalid JSON Schema: not JSON: " + firstLine(e));
        }
        if (node == null || !(node.isObject() || node.isBoolean())) {
            throw new InvalidSchemaException("invalid JSON Schema: expected an object or a boolean, found "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        try {
            Schema schema = REGISTRY.getSchema(node);
            // an unresolvable $ref or a bad keyword value surfaces on first use: use it once now
            schema.validate(JSON.nullNode());
            return new JsonSchemaDefinition(node, schema);
        } catch (RuntimeException e) {
            throw new InvalidSchemaException("invalid JSON Schema: " + e.getMessage());
        }
    }

    JsonNode node() {
        return node;
    }

    @Override
    public SchemaFormat format() {
        return SchemaFormat.JSON;
    }

    @Override
    public List<String> violations(byte[] record, int max) {
        JsonNode instance;
        try {
            instance = JSON.readTree(record);
        } catch (IOException e) {
            return List.of("not a JSON document: " + firstLine(e));
        }
        if (instance == null || instance.isMissingNode()) {
            return List.of("not a JSON document: the record is empty");
        }
        List<Error> errors;
        try {
            errors = schema.validate(instance);
        } catch (RuntimeException e) {
            return List.of("JSON Schema validation failed: " + e.getMessage());
        }
        List<String> out = new ArrayList<>(Math.min(max, errors.size()));
        for (Error e : errors) {
            if (out.size() >= max) {
                break;
            }
            // the instance location is a JSON pointer: "" for the document itself
            String at = String.valueOf(e.getInstanceLocation());
            out.add((at.isEmpty() ? "/" : at) + ": " + e.getMessage());
        }
        return out;
    }

    @Override
    public List<String> readProblems(ParsedSchema writer) {
        return JsonSchemaCompatibility.readProblems(node, ((JsonSchemaDefinition) writer).node);
    }

    private static String firstLine(IOException e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
