package flymq.broker.schema;

import static flymq.broker.schema.Schemas.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import flymq.telemetry.HttpView;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Confluent-compatible read-only paths: bodies and error codes as Confluent's registry gives them. */
class SchemaHttpViewTest {
    SchemaRegistry registry;
    SchemaHttpView view;

    @BeforeEach
    void setUp() {
        registry = SchemaRegistry.inMemory(Compatibility.NONE);
        registry.apply(new SchemaChange.Register("orders-value", SchemaFormat.AVRO, utf8("\"string\""), null, 1));
        registry.apply(new SchemaChange.Register("orders-value", SchemaFormat.AVRO, utf8("\"int\""), null, 2));
        registry.apply(new SchemaChange.Register("users", SchemaFormat.JSON, utf8("{\"type\":\"object\"}"), null, 3));
        view = new SchemaHttpView(registry);
    }

    private HttpView.Answer get(String path) {
        return view.get(path).orElseThrow();
    }

    @Test
    void subjects() {
        assertEquals("[\"orders-value\",\"users\"]", get("/subjects").body());
        assertEquals(SchemaHttpView.CONTENT_TYPE, get("/subjects").contentType());
    }

    @Test
    void versionsOfASubject() {
        assertEquals("[1,2]", get("/subjects/orders-value/versions").body());
    }

    @Test
    void aVersionAndTheLatest() {
        assertEquals("{\"subject\":\"orders-value\",\"version\":1,\"id\":1,\"schema\":\"\\\"string\\\"\"}",
                get("/subjects/orders-value/versions/1").body());
        assertEquals("{\"subject\":\"users\",\"version\":1,\"id\":3,\"schemaType\":\"JSON\","
                + "\"schema\":\"{\\\"type\\\":\\\"object\\\"}\"}", get("/subjects/users/versions/latest").body());
        assertEquals("\"int\"", get("/subjects/orders-value/versions/2/schema").body());
    }

    @Test
    void aSchemaById() {
        assertEquals("{\"schema\":\"\\\"int\\\"\"}", get("/schemas/ids/2").body());
    }

    @Test
    void confluentsErrorCodes() {
        assertEquals(404, get("/subjects/nope/versions").status());
        assertEquals("{\"error_code\":40401,\"message\":\"Subject 'nope' not found.\"}",
                get("/subjects/nope/versions").body());
        assertEquals("{\"error_code\":40402,\"message\":\"Version 9 not found.\"}",
                get("/subjects/users/versions/9").body());
        assertEquals(422, get("/subjects/users/versions/x").status());
        assertEquals("{\"error_code\":40403,\"message\":\"Schema 77 not found\"}", get("/schemas/ids/77").body());
    }

    @Test
    void otherPathsAreNotTheViews() {
        assertEquals(Optional.empty(), view.get("/metrics"));
        assertEquals(Optional.empty(), view.get("/subjects/users/config"));
    }

    @Test
    void aSubjectNameIsPercentDecoded() {
        registry.apply(new SchemaChange.Register("a b", SchemaFormat.JSON, utf8("true"), null, 4));
        assertEquals("[1]", get("/subjects/a%20b/versions").body());
    }
}
