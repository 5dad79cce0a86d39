package flymq.broker.schema;

import static flymq.broker.schema.Schemas.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Produce enforcement asks the library's fail-fast mode (valid or not) and only then the full error list; the two must
 * agree on every record, also for the keywords whose verdict depends on sub-schemas failing (anyOf, oneOf, not,
 * if/then/else, contains, unevaluatedProperties, dependentSchemas, $ref), or fail-fast would weaken validation.
 */
class FailFastVerdictTest {

    static List<Arguments> cases() {
        String obj = "{\"id\":12345,\"name\":\"Ada\",\"email\":\"ada@example.com\",\"active\":true,\"tags\":[\"a\"]}";
        return List.of(
                Arguments.of("""
                        {"type":"object","additionalProperties":false,"required":["id","name","email","active"],
                         "properties":{"id":{"type":"integer","minimum":0},"name":{"type":"string","maxLength":100},
                          "email":{"type":"string"},"active":{"type":"boolean"},
                          "tags":{"type":"array","items":{"type":"string"}}}}""",
                        List.of(obj, "{\"id\":-1}", obj.replace("12345", "-1"), obj.replace("\"a\"", "1"),
                                obj.replace("}", ",\"extra\":1}"), "[]", "null")),
                Arguments.of("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\",\"minimum\":10}]}",
                        List.of("\"x\"", "12", "5", "true")),
                Arguments.of("{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\",\"minimum\":5}]}",
                        List.of("3", "7", "7.5", "2.5", "\"s\"")),
                Arguments.of("{\"not\":{\"type\":\"string\"}}", List.of("1", "\"s\"")),
                Arguments.of("""
                        {"if":{"properties":{"kind":{"const":"a"}}},"then":{"required":["a"]},"else":{"required":["b"]}}""",
                        List.of("{\"kind\":\"a\",\"a\":1}", "{\"kind\":\"a\"}", "{\"b\":1}", "{\"kind\":\"c\"}")),
                Arguments.of("{\"type\":\"array\",\"contains\":{\"type\":\"integer\"},\"minContains\":2}",
                        List.of("[1,2]", "[1,\"a\"]", "[]")),
                Arguments.of("""
                        {"properties":{"a":{"type":"integer"}},"allOf":[{"properties":{"b":{"type":"string"}}}],
                         "unevaluatedProperties":false}""",
                        List.of("{\"a\":1,\"b\":\"x\"}", "{\"a\":1,\"c\":2}", "{\"b\":1}")),
                Arguments.of("{\"dependentSchemas\":{\"card\":{\"required\":[\"billing\"]}}}",
                        List.of("{\"card\":1,\"billing\":2}", "{\"card\":1}", "{}")),
                Arguments.of("""
                        {"$defs":{"pos":{"type":"integer","exclusiveMinimum":0}},"type":"array","items":{"$ref":"#/$defs/pos"}}""",
                        List.of("[1,2,3]", "[1,0]", "[-1]")),
                Arguments.of("false", List.of("1", "{}")),
                Arguments.of("true", List.of("1", "{}")));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void failFastAgreesWithTheFullList(String schema, List<String> records) {
        ParsedSchema s = SchemaFormat.JSON.parse(utf8(schema));
        for (String record : records) {
            List<String> all = s.violations(utf8(record), 100);
            String first = s.firstViolation(utf8(record));
            assertEquals(all.isEmpty() ? null : all.getFirst(), first, schema + " <- " + record);
        }
    }
}
