package flymq.broker.schema;

import static flymq.broker.schema.Schemas.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.RequestException;
import flymq.storage.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subjects, versions, ids, binding to topics, and the registry's file and snapshot. */
class SchemaRegistryTest {
    @TempDir
    Path dir;

    private static SchemaChange.Register json(String subject, String definition) {
        return new SchemaChange.Register(subject, SchemaFormat.JSON, utf8(definition), null, 1000);
    }

    @Test
    void versionsCountUpAndTheSameDefinitionKeepsItsVersionAndId() {
        SchemaRegistry r = SchemaRegistry.inMemory(Compatibility.NONE);

        SchemaVersion v1 = r.apply(json("a", "{\"type\":\"string\"}"));
        SchemaVersion v2 = r.apply(json("a", "{\"type\":\"integer\"}"));
        SchemaVersion again = r.apply(json("a", "{\"type\":\"string\"}"));
        SchemaVersion elsewhere = r.apply(json("b", "{\"type\":\"integer\"}"));

        assertEquals(List.of(1, 2, 1), List.of(v1.version(), v2.version(), again.version()));
        assertEquals(v1.id(), again.id());
        assertEquals(v2.id(), elsewhere.id(), "one id per definition, whichever subject holds it");
        assertEquals(1, elsewhere.version());
    }

    @Test
    void versionNumbersAreNotReusedAfterADelete() {
        SchemaRegistry r = SchemaRegistry.inMemory(Compatibility.NONE);
        r.apply(json("a", "{\"type\":\"string\"}"));
        r.apply(json("a", "{\"type\":\"integer\"}"));

        r.apply(new SchemaChange.Delete("a", 2));

        assertEquals(3, r.apply(json("a", "{\"type\":\"boolean\"}")).version());
        assertEquals(List.of(1, 3), r.versions("a").stream().map(SchemaVersion::version).toList());
    }

    @Test
    void deletingWhatIsNotThereNamesIt() {
        SchemaRegistry r = SchemaRegistry.inMemory(Compatibility.NONE);
        r.apply(json("a", "true"));

        assertEquals("schema subject 'x' not found",
                assertThrows(RequestException.class, () -> r.apply(new SchemaChange.Delete("x", 0))).getMessage());
        assertEquals("version 5 of schema subject 'a' not found (versions [1])",
                assertThrows(RequestException.class, () -> r.apply(new SchemaChange.Delete("a", 5))).getMessage());
    }

    @Test
    void aTopicIsGovernedByTopicValueElseByTopic() {
        SchemaRegistry r = SchemaRegistry.inMemory(Compatibility.NONE);
        r.apply(json("orders", "{\"type\":\"string\"}"));
        assertEquals("orders", r.bound("orders").version().subject());

        r.apply(json("orders-value", "{\"type\":\"integer\"}"));
        assertEquals("orders-value", r.bound("orders").version().subject());
        assertEquals(null, r.bound("payments"));

        r.apply(new SchemaChange.Delete("orders-value", 0));
        assertEquals("orders", r.bound("orders").version().subject());
    }

    @Test
    void theFileKeepsEverythingAcrossReopening() {
        Path file = dir.resolve("schemas.json");
        SchemaRegistry r = SchemaRegistry.open(new SchemaStore(file), Compatibility.BACKWARD);
        r.apply(json("a", "{\"type\":\"string\"}"));
        r.apply(new SchemaChange.Register("a", SchemaFormat.JSON, utf8("{\"type\":[\"string\",\"null\"]}"),
                Compatibility.BACKWARD_TRANSITIVE, 2000));
        r.apply(json("b", "true"));

        SchemaRegistry reopened = SchemaRegistry.open(new SchemaStore(file), Compatibility.BACKWARD);

        assertEquals(List.of("a", "b"), reopened.subjects());
        assertEquals(Compatibility.BACKWARD_TRANSITIVE, reopened.compatibility("a"));
        assertEquals(Compatibility.BACKWARD, reopened.compatibility("b"));
        SchemaVersion v2 = reopened.version("a", 2).orElseThrow();
        assertArrayEquals(utf8("{\"type\":[\"string\",\"null\"]}"), v2.definition());
        assertEquals(2000, v2.registeredMs());
        assertEquals(4, reopened.apply(json("c", "{\"type\":\"number\"}")).id(), "ids continue after reopening");
    }

    @Test
    void aRefusedChangeLeavesTheFileAsItWas() throws Exception {
        Path file = dir.resolve("schemas.json");
        SchemaRegistry r = SchemaRegistry.open(new SchemaStore(file), Compatibility.BACKWARD);
        r.apply(json("a", "{\"type\":\"string\"}"));
        byte[] before = Files.readAllBytes(file);

        assertThrows(IncompatibleSchemaException.class, () -> r.apply(json("a", "{\"type\":\"integer\"}")));

        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void aDamagedFileIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("schemas.json");
        Files.writeString(file, "{\"subjects\":[{\"subject\":\"a\"}]}");

        StorageException e = assertThrows(StorageException.class,
                () -> SchemaRegistry.open(new SchemaStore(file), Compatibility.BACKWARD));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void aSnapshotInstallsTheSameRegistry() {
        SchemaRegistry r = SchemaRegistry.inMemory(Compatibility.NONE);
        r.apply(json("a", "{\"type\":\"string\"}"));
        r.apply(json("a", "{\"type\":\"integer\"}"));
        SchemaRegistry other = SchemaRegistry.inMemory(Compatibility.NONE);
        other.apply(json("stale", "true"));

        other.install(r.snapshot());

        assertEquals(List.of("a"), other.subjects());
        assertEquals(2, other.version("a", 0).orElseThrow().version());
        assertArrayEquals(r.snapshot(), other.snapshot());
    }

    @Test
    void aRegistrationIsJudgedByTheProposersDefaultModeNotTheApplyingNodes() {
        // two nodes configured with different schema.compatibility apply the same change alike
        SchemaRegistry lenient = SchemaRegistry.inMemory(Compatibility.NONE);
        SchemaRegistry strict = SchemaRegistry.inMemory(Compatibility.BACKWARD);
        for (SchemaRegistry r : List.of(lenient, strict)) {
            r.apply(json("a", "{\"type\":\"string\"}"));
            SchemaChange.Register breaking = new SchemaChange.Register("a", SchemaFormat.JSON,
                    utf8("{\"type\":\"integer\"}"), null, 2000, Compatibility.BACKWARD);
            assertThrows(IncompatibleSchemaException.class, () -> r.apply(breaking));
        }
    }

    @Test
    void changesRoundTripTheirBinaryForm() {
        SchemaChange.Register reg = new SchemaChange.Register("s", SchemaFormat.PROTOBUF, new byte[] {0, 1, 2},
                Compatibility.FORWARD, 123);
        SchemaChange.Register back = (SchemaChange.Register) SchemaChange.decode(reg.encode());
        assertEquals("s", back.subject());
        assertEquals(SchemaFormat.PROTOBUF, back.format());
        assertArrayEquals(new byte[] {0, 1, 2}, back.definition());
        assertEquals(Compatibility.FORWARD, back.compatibility());
        assertEquals(123, back.registeredMs());
        assertEquals(null, back.fallback());
        assertEquals(Compatibility.FULL, ((SchemaChange.Register) SchemaChange.decode(new SchemaChange.Register("s",
                SchemaFormat.JSON, utf8("true"), null, 1, Compatibility.FULL).encode())).fallback());
        assertEquals(new SchemaChange.Delete("s", 4), SchemaChange.decode(new SchemaChange.Delete("s", 4).encode()));
        byte[] trailing = java.util.Arrays.copyOf(reg.encode(), reg.encode().length + 1);
        assertThrows(IllegalArgumentException.class, () -> SchemaChange.decode(trailing));
    }
}
