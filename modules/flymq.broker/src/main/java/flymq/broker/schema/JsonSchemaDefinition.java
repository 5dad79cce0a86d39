package flymq.broker.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.networknt.schema.Error;
import com.networknt.schema.OutputFormat;
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
 * <p>Produce enforcement only needs valid or not plus the first violation, so {@link #firstViolation} asks the
 * library's boolean output ({@link OutputFormat#BOOLEAN}: fail fast at the first failed assertion, no annotations, no
 * error list); only a record that fails is validated again in full, for the same message {@link #violations} gives.
 * (A hand-made fail-fast {@code ExecutionContext} is not equivalent: anyOf, oneOf and unevaluatedProperties then
 * pass invalid records; FailFastVerdictTest holds the two verdicts equal.) The record is parsed straight from its
 * bytes by one shared {@link ObjectReader}. {@code JsonValidationBench} (src/jmh) measures both paths.
 *
 * <p>The library has no notion of compatibility between two schemas; {@link JsonSchemaCompatibility} is the small,
 * conservative rule set this registry uses instead (docs/schemas.md lists it).
 */
final class JsonSchemaDefinition implements ParsedSchema {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    /** Immutable and thread-safe: one reader for every record of every schema. */
    private static final ObjectReader RECORDS = JSON.reader();

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
    public String firstViolation(byte[] record) {
        JsonNode instance;
        try {
            instance = RECORDS.readTree(record);
        } catch (IOException e) {
            return "not a JSON document: " + firstLine(e);
        }
        if (instance == null || instance.isMissingNode()) {
            return "not a JSON document: the record is empty";
        }
        try {
            if (schema.validate(instance, OutputFormat.BOOLEAN)) {
                return null;
            }
            // rare on the produce path: the full run gives the message violations() gives, the first in schema order
            List<String> all = violations(instance, 1);
            return all.isEmpty() ? "/: invalid" : all.getFirst();
        } catch (RuntimeException e) {
            return "JSON Schema validation failed: " + e.getMessage();
        }
    }

    @Override
    public List<String> violations(byte[] record, int max) {
        JsonNode instance;
        try {
            instance = RECORDS.readTree(record);
        } catch (IOException e) {
            return List.of("not a JSON document: " + firstLine(e));
        }
        if (instance == null || instance.isMissingNode()) {
            return List.of("not a JSON document: the record is empty");
        }
        return violations(instance, max);
    }

    private List<String> violations(JsonNode instance, int max) {
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
