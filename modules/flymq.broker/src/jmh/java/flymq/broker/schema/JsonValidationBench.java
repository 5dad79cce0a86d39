package flymq.broker.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.OutputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where strict JSON Schema validation spends its time per record: the record and schema of
 * jlink/src/build/bench-schema.sh (a valid 200-byte document), checked the way produce enforcement does
 * ({@link JsonSchemaDefinition#firstViolation}, fail fast), the same by the full error list ({@code violationsList}),
 * and its two parts alone: Jackson's parse into a tree, and the
 * library's validation of a parsed tree with its default output (a list of errors) and with its boolean output
 * (fail fast, no annotations). {@code invalid} is the price of a refused record (the message included).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonValidationBench {
    static final String SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["id","name","email","active"],
             "properties":{"id":{"type":"integer","minimum":0},"name":{"type":"string","maxLength":100},
              "email":{"type":"string"},"active":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string"}},
              "note":{"type":"string"}}}""";

    JsonSchemaDefinition definition;
    Schema schema;
    byte[] record;
    byte[] invalid;
    JsonNode tree;

    @Setup
    public void setUp() throws IOException {
        String prefix = "{\"id\":12345,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"active\":true,"
                + "\"tags\":[\"a\",\"b\"],\"note\":\"";
        record = (prefix + "x".repeat(200 - prefix.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
        invalid = new String(record, StandardCharsets.UTF_8).replace("12345", "-1").getBytes(StandardCharsets.UTF_8);
        definition = JsonSchemaDefinition.parse(SCHEMA.getBytes(StandardCharsets.UTF_8));
        if (definition.firstViolation(record) != null || definition.firstViolation(invalid) == null) {
            throw new IllegalStateException("the bench records are not what they claim");
        }
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(JsonSchemaDefinition.JSON.readTree(SCHEMA));
        tree = JsonSchemaDefinition.JSON.readTree(record);
    }

    @Benchmark
    public String firstViolation() {
        return definition.firstViolation(record);
    }

    /** The list path produce enforcement used before fail-fast (and what violations() still is). */
    @Benchmark
    public List<String> violationsList() {
        return definition.violations(record, 1);
    }

    @Benchmark
    public String invalid() {
        return definition.firstViolation(invalid);
    }

    @Benchmark
    public JsonNode parseOnly() throws IOException {
        return JsonSchemaDefinition.JSON.readTree(record);
    }

    @Benchmark
    public Object validateDefaultOutput() {
        return schema.validate(tree);
    }

    @Benchmark
    public Object validateBooleanOutput() {
        return schema.validate(tree, OutputFormat.BOOLEAN);
    }
}
