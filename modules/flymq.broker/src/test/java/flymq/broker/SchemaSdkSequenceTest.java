package flymq.broker;

import static flymq.broker.SdkSequenceTest.hex;
import static flymq.broker.WireClient.payload;
import static flymq.broker.WireClient.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry opcodes 0x10-0x15 (wire spec 11) as the official SDKs put them on the wire (Python
 * {@code pyflymq/binary.py}, Java {@code BinaryProtocol}), and decoded the way the SDKs decode the answers.
 */
class SchemaSdkSequenceTest {
    static final String USER_SCHEMA = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
            + "\"name\":{\"type\":\"string\"}},\"required\":[\"id\",\"name\"]}";

    @TempDir
    Path dir;
    TestBroker broker;
    WireClient c;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dir, "schema.enabled", "true");
        c = broker.client();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        broker.close();
    }

    /** Both SDKs: {@code str16 name · str8 type · bytes32 schema}. */
    private WireClient.Frame register(String name, String type, String schema) throws Exception {
        return c.call(Opcodes.REGISTER_SCHEMA, payload().str16(name).str8(type).bytes32(utf8(schema)));
    }

    @Test
    void registerAsBothSdksSendIt() throws Exception {
        // register_schema("s", "json", "true"): 00 01 's' | 04 'json' | 00 00 00 04 'true'
        WireClient.Frame f = c.call(Opcodes.REGISTER_SCHEMA, hex("00 01 73 | 04 6A 73 6F 6E | 00 00 00 04 74 72 75 65"));

        assertEquals(Opcodes.REGISTER_SCHEMA, f.opcode(), () -> f.isError() ? f.errorText() : "");
        PayloadReader r = f.reader(); // Go's answer: str16 name · str8 type · u32 version (SDKs ignore it)
        assertEquals("s", r.str16("name"));
        assertEquals("json", r.str8("type"));
        assertEquals(1, r.u32("version"));
    }

    @Test
    void listDecodesAsBothSdksDecodeIt() throws Exception {
        register("user-schema", "json", USER_SCHEMA);
        register("user-schema-v2", "json", "{\"type\":\"object\"}");

        // Java listSchemas(""), Python list_schemas(): str16 ""
        WireClient.Frame f = c.call(Opcodes.LIST_SCHEMAS, hex("00 00"));

        PayloadReader r = f.reader();
        assertEquals(2, r.u32("count"));
        assertEquals("user-schema", r.str16("name"));
        assertEquals("json", r.str8("type"));
        assertEquals(1, r.u32("version"));
        assertEquals("user-schema-v2", r.str16("name"));
        assertEquals("json", r.str8("type"));
        assertEquals(1, r.u32("version"));
        assertFalse(r.hasRemaining());
    }

    @Test
    void listWithAnEmptyPayloadListsEverything() throws Exception {
        register("a", "json", "true");

        assertEquals(1, c.call(Opcodes.LIST_SCHEMAS, new byte[0]).reader().u32("count"));
    }

    @Test
    void getAsPythonSendsIt() throws Exception {
        register("user-schema", "json", USER_SCHEMA);

        // get_schema("user-schema", 0): str16 · u32 version, 0 = latest; Go's answer layout
        WireClient.Frame f = c.call(Opcodes.GET_SCHEMA, payload().str16("user-schema").u32(0));

        PayloadReader r = f.reader();
        assertEquals("1", r.str16("id"));
        assertEquals("user-schema", r.str16("subject"));
        assertEquals(1, r.u32("version"));
        assertEquals("json", r.str8("type"));
        assertArrayEquals(utf8(USER_SCHEMA), r.bytes32("definition"));
        assertEquals("BACKWARD", r.str8("compatibility"));
    }

    @Test
    void validateAsPythonSendsItAndReadsTheFirstByte() throws Exception {
        register("user-schema", "json", USER_SCHEMA);

        WireClient.Frame valid = c.call(Opcodes.VALIDATE_SCHEMA, payload().str16("user-schema")
                .bytes32(utf8("{\"id\":\"u1\",\"name\":\"Alice\"}")));
        WireClient.Frame invalid = c.call(Opcodes.VALIDATE_SCHEMA, payload().str16("user-schema")
                .bytes32(utf8("{\"id\":\"u2\"}")));

        assertEquals(1, valid.payload()[0]);
        assertEquals(0, invalid.payload()[0]);
        PayloadReader r = invalid.reader();
        r.bool("valid");
        assertEquals(1, r.u32("errors"));
        assertTrue(r.str16("error").contains("name"));
    }

    @Test
    void produceWithSchemaInTheSdkOrder() throws Exception {
        register("user-schema", "json", USER_SCHEMA);

        // Java produceWithSchema / Python produce_with_schema: str16 topic · bytes32 data · str16 schema
        WireClient.Frame ok = c.call(Opcodes.PRODUCE_WITH_SCHEMA, payload().str16("users")
                .bytes32(utf8("{\"id\":\"u1\",\"name\":\"Alice\"}")).str16("user-schema"));
        WireClient.Frame refused = c.call(Opcodes.PRODUCE_WITH_SCHEMA, payload().str16("users")
                .bytes32(utf8("{\"id\":\"u2\"}")).str16("user-schema"));

        assertEquals(Opcodes.PRODUCE_WITH_SCHEMA, ok.opcode(), () -> ok.isError() ? ok.errorText() : "");
        PayloadReader r = ok.reader(); // RecordMetadata, decoded by both SDKs' decodeRecordMetadata
        assertEquals("users", r.str16("topic"));
        r.i32("partition");
        assertEquals(0, r.u64("offset"));
        assertTrue(refused.errorText().startsWith("record rejected by schema 'user-schema' version 1 (id 1) for "
                + "topic users: "), refused.errorText());
        assertTrue(refused.errorText().contains("name"), refused.errorText());
    }

    @Test
    void produceWithSchemaInGosOrder() throws Exception {
        register("user-schema", "json", USER_SCHEMA);

        WireClient.Frame ok = c.call(Opcodes.PRODUCE_WITH_SCHEMA, payload().str16("users").str16("user-schema")
                .bytes32(utf8("{\"id\":\"u1\",\"name\":\"Alice\"}")));

        assertEquals(Opcodes.PRODUCE_WITH_SCHEMA, ok.opcode(), () -> ok.isError() ? ok.errorText() : "");
        assertEquals("{\"id\":\"u1\",\"name\":\"Alice\"}", c.fetch("users", 0, 0, 10, "").records().getFirst()
                .value());
    }

    @Test
    void deleteAsPythonSendsIt() throws Exception {
        register("s", "json", "true");

        // delete_schema("s", 1): str16 · u32 version; answer bool · str16 message
        WireClient.Frame f = c.call(Opcodes.DELETE_SCHEMA, payload().str16("s").u32(1));

        PayloadReader r = f.reader();
        assertTrue(r.bool("success"));
        r.str16("message");
        assertEquals(0, c.call(Opcodes.LIST_SCHEMAS, hex("00 00")).reader().u32("count"));
        assertEquals("schema subject 's' not found", c.call(Opcodes.DELETE_SCHEMA, payload().str16("s").u32(1))
                .errorText());
    }

    @Test
    void anUnknownTypeIsRefusedNamingIt() throws Exception {
        assertEquals("unsupported schema type: 'xml' (expected json, avro or protobuf)",
                register("s", "xml", "<a/>").errorText());
    }

    @Test
    void anInvalidDefinitionIsRefusedByItsLibrary() throws Exception {
        assertTrue(register("s", "avro", "{\"type\":\"record\"}").errorText().startsWith("invalid Avro schema: "));
        assertTrue(register("s", "json", "{not json").errorText().startsWith("invalid JSON Schema: "));
        assertTrue(register("s", "protobuf", "syntax = \"proto3\"; message M {}").errorText()
                .contains("protoc --include_imports --descriptor_set_out"));
    }
}
