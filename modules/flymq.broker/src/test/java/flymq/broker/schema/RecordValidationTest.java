package flymq.broker.schema;

import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT64;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING;
import static flymq.broker.schema.Schemas.Field.optional;
import static flymq.broker.schema.Schemas.proto3;
import static flymq.broker.schema.Schemas.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DynamicMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** What each format accepts as a record, and the first violation it names otherwise. */
class RecordValidationTest {
    static final String USER_JSON = """
            {"type":"object","properties":{"id":{"type":"string"},"age":{"type":"integer","minimum":0}},
             "required":["id"]}""";
    static final String USER_AVRO = """
            {"type":"record","name":"User","namespace":"test","fields":[{"name":"id","type":"string"},
             {"name":"age","type":"int"}]}""";

    @Test
    void jsonSchemaDraft202012() {
        ParsedSchema s = SchemaFormat.JSON.parse(utf8(USER_JSON));

        assertNull(s.firstViolation(utf8("{\"id\":\"u1\",\"age\":3}")));
        assertTrue(s.firstViolation(utf8("{\"age\":3}")).contains("id"), s.firstViolation(utf8("{\"age\":3}")));
        assertTrue(s.firstViolation(utf8("{\"id\":\"u1\",\"age\":-1}")).contains("age"));
        assertTrue(s.firstViolation(utf8("{\"id\":")).startsWith("not a JSON document: "));
        assertTrue(s.firstViolation(utf8("{\"id\":\"u1\"} {}")).startsWith("not a JSON document: "),
                "trailing content");
        assertEquals(2, s.violations(utf8("{\"age\":-1}"), 10).size());
    }

    @Test
    void jsonSchemaWithAnUnresolvableRefIsRefusedAtRegistration() {
        InvalidSchemaException e = assertThrows(InvalidSchemaException.class,
                () -> SchemaFormat.JSON.parse(utf8("{\"$ref\":\"#/$defs/missing\"}")));
        assertTrue(e.getMessage().startsWith("invalid JSON Schema: "), e.getMessage());
    }

    @Test
    void avroBinaryDatum() throws IOException {
        ParsedSchema s = SchemaFormat.AVRO.parse(utf8(USER_AVRO));
        Schema schema = new Schema.Parser().parse(USER_AVRO);
        GenericRecord user = new GenericData.Record(schema);
        user.put("id", "u1");
        user.put("age", 42);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(schema).write(user, enc);
        enc.flush();
        byte[] datum = bytes.toByteArray();

        assertNull(s.firstViolation(datum));
        assertTrue(s.firstViolation(Arrays.copyOf(datum, datum.length - 1)).startsWith("Avro test.User: not a datum"),
                s.firstViolation(Arrays.copyOf(datum, datum.length - 1)));
        byte[] longer = Arrays.copyOf(datum, datum.length + 2);
        assertTrue(s.firstViolation(longer).contains("bytes left after the datum"), s.firstViolation(longer));
        assertTrue(s.firstViolation(utf8("{\"id\":\"u1\"}")) != null, "JSON text is not Avro binary");
    }

    @Test
    void protobufMessage() throws IOException {
        byte[] set = proto3("User", optional("id", 1, TYPE_STRING), optional("age", 2, TYPE_INT64));
        ProtobufDefinition s = (ProtobufDefinition) SchemaFormat.PROTOBUF.parse(set);
        byte[] valid = DynamicMessage.newBuilder(s.type()).setField(s.type().findFieldByName("id"), "u1")
                .setField(s.type().findFieldByName("age"), 42L).build().toByteArray();

        assertNull(s.firstViolation(valid));
        assertTrue(s.firstViolation(Arrays.copyOf(valid, valid.length - 1)).startsWith("Protobuf test.User: "));
        ByteArrayOutputStream unknown = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(unknown);
        out.writeString(1, "u1");
        out.writeInt64(7, 5);
        out.flush();
        assertEquals("Protobuf test.User: field number 7 is not in test.User",
                s.firstViolation(unknown.toByteArray()));
        ByteArrayOutputStream wrongType = new ByteArrayOutputStream();
        CodedOutputStream w = CodedOutputStream.newInstance(wrongType);
        w.writeInt64(1, 5); // id is a string: a varint under its number is not an id
        w.flush();
        assertTrue(s.firstViolation(wrongType.toByteArray()).contains("wrong wire type"),
                s.firstViolation(wrongType.toByteArray()));
    }

    @Test
    void protobufTextIsRefusedWithTheProtocCommand() {
        InvalidSchemaException e = assertThrows(InvalidSchemaException.class,
                () -> SchemaFormat.PROTOBUF.parse(utf8("syntax = \"proto3\";\nmessage User { string id = 1; }")));
        assertTrue(e.getMessage().contains("protoc --include_imports --descriptor_set_out=FILE.desc FILE.proto"));
    }

    @Test
    void avroCapsCollectionSizesBeforeItLoads() {
        SchemaFormat.AVRO.parse(utf8("\"int\""));
        assertEquals(Integer.toString(AvroDefinition.MAX_COLLECTION_ITEMS),
                System.getProperty(AvroDefinition.COLLECTION_LIMIT));
    }
}
