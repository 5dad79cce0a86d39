package flymq.cli.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.output.Json;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaCommandsTest {
    static final String ORDER = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"required\":[\"id\"]}";

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("data"), Map.of("schema.enabled", "true"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void registerGetListAndDelete() throws Exception {
        Path file = Files.writeString(dir.resolve("order.json"), ORDER);
        var r = broker.run("schema", "register", "orders-value", "--file", file.toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().matches("registered orders-value version 1 \\(id \\d+\\)\n"), r.out());

        var get = broker.run("schema", "get", "orders-value");
        assertEquals(ORDER + "\n", get.out());
        var json = (Map<?, ?>) Json.parse(broker.run("schema", "get", "orders-value", "-o", "json").out());
        assertEquals("BACKWARD", json.get("compatibility"));

        var list = broker.run("schema", "list", "orders");
        assertEquals(List.of("SUBJECT       TYPE  VERSION", "orders-value  json        1"),
                list.out().lines().toList());

        var del = broker.run("schema", "delete", "orders-value");
        assertEquals(ExitCode.OK, del.code(), del.toString());
        assertEquals(ExitCode.FAILED, broker.run("schema", "get", "orders-value").code());
    }

    @Test
    void aBreakingVersionFailsWithTheBrokersReason() {
        broker.run("schema", "register", "strict-value", ORDER);
        var r = broker.run("schema", "register", "strict-value",
                "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}");
        assertEquals(ExitCode.FAILED, r.code(), r.toString());
        assertTrue(r.err().contains("is not BACKWARD compatible with version 1"), r.err());
    }

    @Test
    void validateExitsOneWithTheViolations() {
        broker.run("schema", "register", "checked", ORDER);
        assertEquals(ExitCode.OK, broker.run("schema", "validate", "checked", "{\"id\": 1}").code());
        var bad = broker.run("schema", "validate", "checked", "{\"id\": \"one\"}");
        assertEquals(ExitCode.FAILED, bad.code(), bad.toString());
        assertTrue(bad.out().startsWith("invalid against checked:\n  "), bad.out());
    }

    @Test
    void produceWithSchemaIsCheckedAndKeysDoNotCombine() {
        broker.run("schema", "register", "named", ORDER);
        var ok = broker.run("produce", "anywhere", "{\"id\": 3}", "--schema", "named");
        assertEquals(ExitCode.OK, ok.code(), ok.toString());
        assertTrue(ok.out().endsWith("(schema named)\n"), ok.out());
        var refused = broker.run("produce", "anywhere", "{\"id\": \"x\"}", "--schema", "named");
        assertEquals(ExitCode.FAILED, refused.code(), refused.toString());
        assertTrue(refused.err().contains("record rejected by schema 'named' version 1"), refused.err());
        assertEquals(ExitCode.USAGE, broker.run("produce", "anywhere", "{}", "--schema", "named", "--key", "k")
                .code());
    }

    @Test
    void theConfluentViewIsOnTheMetricsPort() throws Exception {
        broker.run("schema", "register", "viewed-value", ORDER);
        URI subjects = broker.metricsUrl().resolve("/subjects/viewed-value/versions");
        var c = (java.net.HttpURLConnection) subjects.toURL().openConnection();
        assertEquals(200, c.getResponseCode());
        try (var in = c.getInputStream()) {
            assertEquals("[1]", new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
