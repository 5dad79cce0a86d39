package flymq.broker.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flymq.broker.server.Session;
import flymq.protocol.message.AuditEvent;
import flymq.protocol.message.AuditQueryRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditTrailTest {
    @TempDir
    Path dir;

    private static AuditQueryRequest query(List<String> types, String user, String resource, String result,
                                           String search, int limit, int offset) {
        return new AuditQueryRequest(0, 0, types, user, resource, result, search, limit, offset);
    }

    @Test
    void eventsAreJsonLinesWithTheSessionsUserAndAddress() throws Exception {
        try (AuditTrail trail = AuditTrail.open(dir, "n1", 1 << 20, 90)) {
            Session s = new Session("/10.1.2.3:4567");
            s.authenticate("alice");
            trail.record("acl.set", s, null, "payments", "acl_set", "success", Map.of("public", "false"));
            trail.record("auth.failure", new Session("/10.9.9.9:1"), "mallory", "", "authenticate", "failure",
                    Map.of("reason", "invalid username or password"));
        }
        List<String> lines = Files.readAllLines(dir.resolve("audit.log"));
        assertEquals(2, lines.size());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("acl.set", first.path("type").asText());
        assertEquals("alice", first.path("user").asText());
        assertEquals("10.1.2.3", first.path("client_ip").asText());
        assertEquals("payments", first.path("resource").asText());
        assertEquals("n1", first.path("node_id").asText());
        assertEquals("false", first.path("details").path("public").asText());
        assertEquals("mallory", new ObjectMapper().readTree(lines.get(1)).path("user").asText());
    }

    @Test
    void theTrailIsReadableByItsOwnerOnlyWhereverItLies() throws Exception {
        Path elsewhere = dir.resolve("var").resolve("audit");
        try (AuditTrail trail = AuditTrail.open(elsewhere, "n1", 1 << 20, 90)) {
            trail.record("auth.success", new Session("/10.1.2.3:4567"), "alice", "", "authenticate", "success",
                    Map.of());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                elsewhere.resolve("audit.log"))));
    }

    @Test
    void queriesFilterAndPage() {
        try (AuditTrail trail = AuditTrail.open(dir, "n1", 1 << 20, 90)) {
            for (int i = 0; i < 5; i++) {
                trail.record("auth.failure", null, "u" + i, "", "authenticate", "failure", Map.of("n", "" + i));
            }
            trail.record("topic.create", null, "admin", "Orders", "create_topic", "success", Map.of());
            AuditTrail.Page page = trail.query(query(List.of("auth.failure"), "", "", "", "", 2, 1), 100, 10_000);
            assertEquals(5, page.total());
            assertTrue(page.hasMore());
            assertEquals(List.of("u1", "u2"), page.events().stream().map(AuditEvent::user).toList());
            assertEquals(1, trail.query(query(List.of(), "", "Orders", "", "", 0, 0), 100, 10_000).total());
            assertEquals(1, trail.query(query(List.of(), "", "", "success", "", 0, 0), 100, 10_000).total());
            assertEquals(1, trail.query(query(List.of(), "u3", "", "", "", 0, 0), 100, 10_000).total());
            // search: any text field, any case
            assertEquals(1, trail.query(query(List.of(), "", "", "", "oRdErS", 0, 0), 100, 10_000).total());
            AuditTrail.Page last = trail.query(query(List.of(), "", "", "", "", 10, 5), 100, 10_000);
            assertFalse(last.hasMore());
            assertEquals(1, last.events().size());
        }
    }

    @Test
    void aFullFileIsRotatedAndQueriesReadEveryFileInOrder() throws Exception {
        try (AuditTrail trail = AuditTrail.open(dir, "n1", 600, 90)) {
            for (int i = 0; i < 20; i++) {
                trail.record("user.create", null, "admin", "user" + i, "user_create", "success", Map.of());
            }
            List<String> users = trail.query(query(List.of(), "", "", "", "", 100, 0), 100, 10_000).events()
                    .stream().map(AuditEvent::resource).toList();
            assertEquals(20, users.size());
            assertEquals("user0", users.get(0));
            assertEquals("user19", users.get(19));
        }
        try (Stream<Path> files = Files.list(dir)) {
            long rotated = files.filter(p -> p.getFileName().toString().matches("audit-\\d+\\.log")).count();
            assertTrue(rotated >= 5, rotated + " rotated files");
        }
    }

    @Test
    void rotatedFilesOlderThanTheRetentionAreDeleted() throws Exception {
        Path ancient = dir.resolve("audit-1000.log");
        Files.writeString(ancient, "{}\n");
        Path recent = dir.resolve("audit-" + System.currentTimeMillis() + ".log");
        Files.writeString(recent, "{}\n");
        AuditTrail.open(dir, "n1", 1 << 20, 1).close();
        assertFalse(Files.exists(ancient));
        assertTrue(Files.exists(recent));
        AuditTrail.open(dir, "n1", 1 << 20, 0).close(); // 0 keeps everything
        assertTrue(Files.exists(recent));
    }

    @Test
    void aLineCutByACrashIsEndedAndSkipped() throws Exception {
        Files.writeString(dir.resolve("audit.log"), "{\"type\":\"auth.success\",\"user\":\"a\"}\n{\"type\":\"acl.s",
                StandardCharsets.UTF_8);
        try (AuditTrail trail = AuditTrail.open(dir, "n1", 1 << 20, 90)) {
            trail.record("acl.delete", null, "admin", "t", "acl_delete", "success", Map.of());
            List<String> types = trail.query(AuditQueryRequest.ALL, 100, 10_000).events().stream()
                    .map(AuditEvent::type).toList();
            assertEquals(List.of("auth.success", "acl.delete"), types);
        }
    }

    @Test
    void csvCellsAreQuotedAndFormulasDefused() {
        assertEquals("plain", AuditRequests.cell("plain"));
        assertEquals("\"a,b\"", AuditRequests.cell("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", AuditRequests.cell("say \"hi\""));
        assertEquals("'=HYPERLINK(1)", AuditRequests.cell("=HYPERLINK(1)"));
        assertEquals("\"'@x,y\"", AuditRequests.cell("@x,y"));
    }
}
