package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flymq.protocol.Opcodes;
import flymq.protocol.message.AclSetRequest;
import flymq.protocol.message.AuditEvent;
import flymq.protocol.message.AuditExportRequest;
import flymq.protocol.message.AuditExportResponse;
import flymq.protocol.message.AuditQueryRequest;
import flymq.protocol.message.AuditQueryResponse;
import flymq.protocol.message.UserRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed logins are slowed down, refused, counted and audited without the password; security events are queried and
 * exported over AUDIT_QUERY 0x80 / AUDIT_EXPORT 0x81; users, ACLs and the trail survive a restart.
 */
class AuthAuditTest {
    @TempDir
    Path dir;

    private static AuditQueryResponse query(WireClient admin, AuditQueryRequest q) throws Exception {
        WireClient.Frame f = admin.call(Opcodes.AUDIT_QUERY, q);
        assertEquals(Opcodes.AUDIT_QUERY, f.opcode(), f.isError() ? f.errorText() : "");
        return AuditQueryResponse.read(f.reader());
    }

    private static AuditQueryRequest ofType(String... types) {
        return new AuditQueryRequest(0, 0, List.of(types), "", "", "", "", 0, 0);
    }

    @Test
    void fiveFailedLoginsOnAConnectionAreCountedAuditedAndTheSixthIsRefused() throws Exception {
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        BrokerListener counting = new BrokerListener() {
            @Override
            public void loginFailed(String reason) {
                failures.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
            }
        };
        try (TestBroker broker = TestBroker.start(dir, counting, AuthSdkSequenceTest.AUTH_FLAGS)) {
            try (WireClient guesser = broker.client()) {
                for (int i = 0; i < 5; i++) {
                    WireClient.Frame f = guesser.call(Opcodes.AUTH,
                            AuthSdkSequenceTest.authRequest("admin", "guess-" + i));
                    assertEquals(0, f.payload()[0]);
                }
                WireClient.Frame sixth = guesser.call(Opcodes.AUTH, AuthSdkSequenceTest.authRequest("admin", "s3cret"));
                assertTrue(sixth.errorText().startsWith("too many failed logins on this connection"),
                        sixth.errorText());
            }
            assertEquals(5, failures.get("bad_credentials").get());
            assertEquals(1, failures.get("throttled").get());
            try (WireClient admin = broker.client()) {
                AuthSdkSequenceTest.logIn(admin, "admin", "s3cret"); // a new connection may log in
                AuditQueryResponse failed = query(admin, ofType("auth.failure"));
                assertEquals(6, failed.total());
                AuditEvent first = failed.events().get(0);
                assertEquals("admin", first.user());
                assertEquals("127.0.0.1", first.clientIp());
                assertEquals("invalid username or password", first.details().get("reason"));
                assertEquals(1, query(admin, ofType("auth.success")).total());
            }
            String trail = Files.readString(dir.resolve("audit").resolve("audit.log"));
            assertFalse(trail.contains("guess-") || trail.contains("s3cret"), "no password in the trail");
        }
    }

    @Test
    void securityEventsAreQueriedAndExportedAndSurviveARestart() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, AuthSdkSequenceTest.AUTH_FLAGS)) {
            try (WireClient admin = broker.client(); WireClient anonymous = broker.client()) {
                AuthSdkSequenceTest.logIn(admin, "admin", "s3cret");
                admin.call(Opcodes.USER_CREATE, new UserRequest("carol", "pw", "", List.of("consumer"), true));
                admin.call(Opcodes.CREATE_TOPIC, WireClient.payload().str16("ledger").i32(2));
                admin.call(Opcodes.ACL_SET, new AclSetRequest("ledger", false, List.of("carol"), List.of()));
                anonymous.call(Opcodes.DELETE_TOPIC, WireClient.payload().str16("ledger"));
                admin.call(Opcodes.DELETE_TOPIC, WireClient.payload().str16("ledger"));

                AuditQueryResponse all = query(admin, AuditQueryRequest.ALL);
                List<String> types = all.events().stream().map(AuditEvent::type).toList();
                assertEquals(List.of("auth.success", "user.create", "topic.create", "acl.set", "access.denied",
                        "topic.delete"), types);
                AuditEvent denied = all.events().get(4);
                assertEquals("DELETE_TOPIC", denied.action());
                assertEquals("denied", denied.result());
                assertEquals("", denied.user(), "anonymous");
                assertEquals("2", all.events().get(2).details().get("partitions"));
                assertEquals("admin", all.events().get(2).user());

                WireClient.Frame csv = admin.call(Opcodes.AUDIT_EXPORT, new AuditExportRequest(
                        ofType("user.create", "acl.set"), "csv"));
                String text = new String(AuditExportResponse.read(csv.reader()).data(), StandardCharsets.UTF_8);
                List<String> lines = text.lines().toList();
                assertEquals("id,timestamp_ms,type,user,client_ip,resource,action,result,node_id,details",
                        lines.get(0));
                assertEquals(3, lines.size());
                assertTrue(lines.get(2).contains(",acl.set,admin,127.0.0.1,ledger,acl_set,success,test-node,"),
                        lines.get(2));

                WireClient.Frame json = admin.call(Opcodes.AUDIT_EXPORT, new AuditExportRequest(
                        AuditQueryRequest.ALL, "json"));
                JsonNode array = new ObjectMapper().readTree(AuditExportResponse.read(json.reader()).data());
                assertEquals(6, array.size());
                assertEquals("carol", array.get(1).path("resource").asText());

                WireClient.Frame bad = admin.call(Opcodes.AUDIT_EXPORT, new AuditExportRequest(
                        AuditQueryRequest.ALL, "xml"));
                assertTrue(bad.errorText().contains("expected json or csv"), bad.errorText());
            }
            String stored = Files.readString(dir.resolve("security.json"));
            assertTrue(stored.contains("\"carol\"") && stored.contains("pbkdf2-sha256$1000$"), stored);
            assertFalse(stored.contains("\"pw\""), "only the hash is stored");

            broker.restart();
            try (WireClient carol = broker.client(); WireClient admin = broker.client()) {
                AuthSdkSequenceTest.logIn(carol, "carol", "pw");
                AuthSdkSequenceTest.logIn(admin, "admin", "s3cret");
                WireClient.Frame acl = admin.call(Opcodes.ACL_GET, WireClient.payload().str16("ledger"));
                assertEquals(1, acl.payload()[2 + "ledger".length()], "the ACL survived");
                // the six events from before the restart, then carol's and admin's logins
                assertEquals(8, query(admin, AuditQueryRequest.ALL).total(), "the trail survived the restart");
            }
        }
    }

    @Test
    void withTheAuditTrailOffQueriesSaySo() throws Exception {
        String[] flags = {"auth.enabled", "true", "auth.admin_password", "s3cret", "auth.password_hash_iterations",
                "1000", "audit.enabled", "false"};
        try (TestBroker broker = TestBroker.start(dir, flags); WireClient admin = broker.client()) {
            AuthSdkSequenceTest.logIn(admin, "admin", "s3cret");
            WireClient.Frame f = admin.call(Opcodes.AUDIT_QUERY, AuditQueryRequest.ALL);
            assertTrue(f.errorText().contains("audit.enabled = false"), f.errorText());
            assertFalse(Files.exists(dir.resolve("audit")));
        }
    }
}
