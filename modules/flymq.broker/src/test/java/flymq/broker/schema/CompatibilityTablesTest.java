package flymq.broker.schema;

import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT64;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING;
import static flymq.broker.schema.Schemas.Field.optional;
import static flymq.broker.schema.Schemas.Field.required;
import static flymq.broker.schema.Schemas.proto;
import static flymq.broker.schema.Schemas.proto3;
import static flymq.broker.schema.Schemas.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility modes per format: for each mode a compatible and a breaking change, judged by the format's rule
 * (Avro: {@code SchemaCompatibility}; JSON Schema: {@link JsonSchemaCompatibility}; Protobuf: the wire rule of
 * {@link ProtobufDefinition}). Each row registers its versions in order under the row's mode; the last one is
 * either accepted or refused with a message naming the version it breaks and the change.
 */
class CompatibilityTablesTest {

    // ------------------------------------------------------------------------------------------------ JSON Schema
    static final String J_ID = """
            {"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""";
    static final String J_ID_NAME_OPTIONAL = """
            {"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"}},"required":["id"],
             "additionalProperties":false}""";
    static final String J_ID_CLOSED = """
            {"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}""";
    static final String J_ID_NAME_REQUIRED_CLOSED = """
            {"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"}},"required":["id","name"],
             "additionalProperties":false}""";
    static final String J_ID_NAME_REQUIRED = """
            {"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"}},
             "required":["id","name"]}""";
    static final String J_ID_INTEGER = """
            {"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}""";
    static final String J_ID_DESCRIBED = """
            {"type":"object","description":"a user","properties":{"id":{"type":"string"}},"required":["id"]}""";
    static final String J_ANY_ID = """
            {"type":"object","properties":{"id":{"type":["string","integer"]}},"required":["id"]}""";

    // ------------------------------------------------------------------------------------------------ Avro
    static final String A_ID = """
            {"type":"record","name":"User","fields":[{"name":"id","type":"string"}]}""";
    static final String A_ID_NAME_DEFAULT = """
            {"type":"record","name":"User","fields":[{"name":"id","type":"string"},
             {"name":"name","type":"string","default":""}]}""";
    static final String A_ID_NAME = """
            {"type":"record","name":"User","fields":[{"name":"id","type":"string"},{"name":"name","type":"string"}]}""";
    static final String A_NAME_ONLY = """
            {"type":"record","name":"User","fields":[{"name":"name","type":"string","default":""}]}""";
    static final String A_ID_A_INT = """
            {"type":"record","name":"User","fields":[{"name":"id","type":"string"},{"name":"a","type":"int"}]}""";
    static final String A_ID_A_STRING = """
            {"type":"record","name":"User","fields":[{"name":"id","type":"string"},
             {"name":"a","type":"string","default":""}]}""";

    // ------------------------------------------------------------------------------------------------ Protobuf
    static final byte[] P_ID = proto3("User", optional("id", 1, TYPE_STRING));
    static final byte[] P_ID_AGE = proto3("User", optional("id", 1, TYPE_STRING), optional("age", 2, TYPE_INT64));
    static final byte[] P_ID_INT = proto3("User", optional("id", 1, TYPE_INT64));
    static final byte[] P2_ID = proto("proto2", "User", optional("id", 1, TYPE_STRING));
    static final byte[] P2_ID_AGE_REQUIRED = proto("proto2", "User", optional("id", 1, TYPE_STRING),
            required("age", 2, TYPE_INT64));
    static final byte[] P_ID_A_STRING = proto3("User", optional("id", 1, TYPE_STRING),
            optional("a", 2, TYPE_STRING));

    record Row(String name, SchemaFormat format, Compatibility mode, List<byte[]> versions, String breaks) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Row ok(String name, SchemaFormat f, Compatibility mode, Object... versions) {
        return new Row(name, f, mode, bytes(versions), null);
    }

    private static Row breaks(String name, SchemaFormat f, Compatibility mode, String change, Object... versions) {
        return new Row(name, f, mode, bytes(versions), change);
    }

    private static List<byte[]> bytes(Object... versions) {
        return Stream.of(versions).map(v -> v instanceof String s ? utf8(s) : (byte[]) v).toList();
    }

    static Stream<Arguments> rows() {
        SchemaFormat json = SchemaFormat.JSON;
        SchemaFormat avro = SchemaFormat.AVRO;
        SchemaFormat pb = SchemaFormat.PROTOBUF;
        return Stream.of(
                // JSON Schema
                ok("json BACKWARD: optional property on a closed object", json, Compatibility.BACKWARD,
                        J_ID_CLOSED, J_ID_NAME_OPTIONAL),
                breaks("json BACKWARD: new required property", json, Compatibility.BACKWARD,
                        "the reader requires property 'name', the writer does not", J_ID_CLOSED,
                        J_ID_NAME_REQUIRED_CLOSED),
                ok("json FORWARD: new required property on an open object", json, Compatibility.FORWARD,
                        J_ID, J_ID_NAME_REQUIRED),
                breaks("json FORWARD: property type changed", json, Compatibility.FORWARD,
                        "#/properties/id: the reader requires type [string], the writer allows [integer]",
                        J_ID, J_ID_INTEGER),
                ok("json FULL: annotation only", json, Compatibility.FULL, J_ID, J_ID_DESCRIBED),
                breaks("json FULL: optional property on a closed object", json, Compatibility.FULL,
                        "not allowed by the reader's additionalProperties", J_ID_CLOSED, J_ID_NAME_OPTIONAL),
                ok("json BACKWARD: widened type", json, Compatibility.BACKWARD, J_ID, J_ANY_ID),
                breaks("json BACKWARD_TRANSITIVE: narrower than version 1", json,
                        Compatibility.BACKWARD_TRANSITIVE, "compatible with version 1", J_ANY_ID, J_ID, J_ID_DESCRIBED),
                // Avro (SchemaCompatibility)
                ok("avro BACKWARD: field added with a default", avro, Compatibility.BACKWARD, A_ID,
                        A_ID_NAME_DEFAULT),
                breaks("avro BACKWARD: field added without a default", avro, Compatibility.BACKWARD,
                        "READER_FIELD_MISSING_DEFAULT_VALUE", A_ID, A_ID_NAME),
                ok("avro FORWARD: field added without a default", avro, Compatibility.FORWARD, A_ID, A_ID_NAME),
                breaks("avro FORWARD: field removed", avro, Compatibility.FORWARD,
                        "READER_FIELD_MISSING_DEFAULT_VALUE", A_ID, A_NAME_ONLY),
                ok("avro FULL: field added with a default", avro, Compatibility.FULL, A_ID, A_ID_NAME_DEFAULT),
                breaks("avro FULL: field added without a default", avro, Compatibility.FULL,
                        "version 1", A_ID, A_ID_NAME),
                ok("avro BACKWARD: re-added field checked against the latest only", avro, Compatibility.BACKWARD,
                        A_ID_A_INT, A_ID, A_ID_A_STRING),
                breaks("avro BACKWARD_TRANSITIVE: re-added field with another type", avro,
                        Compatibility.BACKWARD_TRANSITIVE, "TYPE_MISMATCH", A_ID_A_INT, A_ID, A_ID_A_STRING),
                // Protobuf (wire compatibility)
                ok("protobuf BACKWARD: field added", pb, Compatibility.BACKWARD, P_ID, P_ID_AGE),
                breaks("protobuf BACKWARD: field type changed", pb, Compatibility.BACKWARD,
                        "User.id (field 1): type int64 in the reader, string in the writer", P_ID, P_ID_INT),
                ok("protobuf FORWARD: proto2 required field added", pb, Compatibility.FORWARD, P2_ID,
                        P2_ID_AGE_REQUIRED),
                breaks("protobuf BACKWARD: proto2 required field added", pb, Compatibility.BACKWARD,
                        "required by the reader, not declared by the writer", P2_ID, P2_ID_AGE_REQUIRED),
                ok("protobuf FULL: field added", pb, Compatibility.FULL, P_ID, P_ID_AGE),
                breaks("protobuf FULL: field type changed", pb, Compatibility.FULL, "not wire-compatible", P_ID,
                        P_ID_INT),
                ok("protobuf BACKWARD: re-added field checked against the latest only", pb, Compatibility.BACKWARD,
                        P_ID_AGE, P_ID, P_ID_A_STRING),
                breaks("protobuf FORWARD_TRANSITIVE: re-added field with another type", pb,
                        Compatibility.FORWARD_TRANSITIVE, "compatible with version 1", P_ID_AGE, P_ID, P_ID_A_STRING),
                ok("NONE: anything goes", avro, Compatibility.NONE, A_ID, A_NAME_ONLY, A_ID_A_INT))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void modes(Row row) {
        SchemaRegistry registry = SchemaRegistry.inMemory(row.mode());
        List<byte[]> v = row.versions();
        for (int i = 0; i < v.size() - 1; i++) {
            // earlier versions go in unchecked, so a row can set up any history
            registry.apply(new SchemaChange.Register("s", row.format(), v.get(i), i == 0 ? null
                    : Compatibility.NONE, i));
        }
        SchemaChange.Register last = new SchemaChange.Register("s", row.format(), v.getLast(), row.mode(), 99);
        if (row.breaks() == null) {
            assertEquals(v.size(), registry.apply(last).version());
        } else {
            IncompatibleSchemaException e = assertThrows(IncompatibleSchemaException.class,
                    () -> registry.apply(last));
            assertTrue(e.getMessage().startsWith("schema for subject 's' is not " + row.mode() + " compatible with "
                    + "version "), e.getMessage());
            assertTrue(e.getMessage().contains(row.breaks()), e.getMessage());
            assertEquals(v.size() - 1, registry.versions("s").size(), "nothing registered");
        }
    }
}
