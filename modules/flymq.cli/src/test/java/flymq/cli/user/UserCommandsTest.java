package flymq.cli.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.output.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `flymq user`, `acl`, `role` and `audit` against a broker with auth.enabled, logged in with --user. */
class UserCommandsTest {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static Path adminPw;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(dir.resolve("data"), Map.of("auth.enabled", "true", "auth.admin_password", "s3cret",
                "auth.password_hash_iterations", "1000", "observability.admin.enabled", "false"));
        adminPw = password("admin.pw", "s3cret");
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Path password(String file, String password) throws Exception {
        Path p = dir.resolve(file);
        Files.writeString(p, password + "\n");
        return p;
    }

    static flymq.cli.Cli.Result asAdmin(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--user";
        all[1] = "admin";
        all[2] = "--password-file";
        all[3] = adminPw.toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return broker.run(all);
    }

    @Test
    void usersAreCreatedListedUpdatedAndDeleted() throws Exception {
        Path pw = password("ann.pw", "pw-ann");
        var created = asAdmin("user", "create", "ann", "--role", "producer,consumer", "--new-password-file",
                pw.toString());
        assertEquals(ExitCode.OK, created.code(), created.toString());
        assertEquals("created user ann with roles producer,consumer\n", created.out());

        var got = (Map<?, ?>) Json.parse(asAdmin("user", "get", "ann", "-o", "json").out());
        assertEquals("ann", got.get("username"));
        assertEquals(List.of("producer", "consumer"), got.get("roles"));
        assertEquals(List.of("read", "write"), got.get("permissions"));
        assertEquals(true, got.get("enabled"));

        var table = asAdmin("user", "list");
        assertEquals(ExitCode.OK, table.code(), table.toString());
        assertTrue(table.out().startsWith("USER"), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("admin ")), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("ann ")), table.out());

        var disabled = asAdmin("user", "update", "ann", "--disable");
        assertEquals("updated user ann: roles producer,consumer, disabled\n", disabled.out());
        var refusedLogin = broker.run("--user", "ann", "--password-file", pw.toString(), "topic", "list");
        assertEquals(ExitCode.FAILED, refusedLogin.code(), refusedLogin.toString());
        assertTrue(refusedLogin.err().contains("cannot log in to " + broker.server() + " as 'ann'"),
                refusedLogin.err());
        asAdmin("user", "update", "ann", "--enable", "--role", "consumer");
        assertEquals(ExitCode.OK, broker.run("--user", "ann", "--password-file", pw.toString(), "topic", "list")
                .code());

        var deleted = asAdmin("user", "delete", "ann", "-o", "json");
        assertEquals(Map.of("deleted", "ann"), Json.parse(deleted.out()));
        var missing = asAdmin("user", "get", "ann");
        assertEquals(ExitCode.FAILED, missing.code());
        assertTrue(missing.err().contains("user 'ann' not found"), missing.err());
    }

    @Test
    void usersChangeTheirOwnPasswordAndOnlyAdminsManageOthers() throws Exception {
        Path pw = password("ben.pw", "pw-ben");
        asAdmin("user", "create", "ben", "--new-password-file", pw.toString());
        Path next = password("ben-next.pw", "pw-ben-2");
        var changed = broker.run("--user", "ben", "--password-file", pw.toString(), "user", "passwd",
                "--new-password-file", next.toString());
        assertEquals(ExitCode.OK, changed.code(), changed.toString());
        assertEquals("changed the password of user ben\n", changed.out());
        assertEquals(ExitCode.FAILED, broker.run("--user", "ben", "--password-file", pw.toString(), "topic",
                "list").code(), "the old password no longer works");

        var refused = broker.run("--user", "ben", "--password-file", next.toString(), "user", "list");
        assertEquals(ExitCode.FAILED, refused.code(), refused.toString());
        assertTrue(refused.err().contains("unauthorized"), refused.err());
        assertFalse(refused.err().contains("pw-ben"), "no password in messages");
    }

    @Test
    void aclsAreSetShownListedAndDeleted() {
        var set = asAdmin("acl", "set", "payments", "--allow-user", "carl", "--allow-role", "consumer");
        assertEquals(ExitCode.OK, set.code(), set.toString());
        assertEquals("set the ACL of topic payments: users carl, roles consumer\n", set.out());
        var got = (Map<?, ?>) Json.parse(asAdmin("acl", "get", "payments", "-o", "json").out());
        assertEquals(Map.of("topic", "payments", "exists", true, "public", false, "users", List.of("carl"),
                "roles", List.of("consumer"), "default_public", true), got);
        var list = asAdmin("acl", "list");
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("payments ")), list.out());
        assertTrue(list.out().contains("topics without an ACL are public (auth.default_public)"), list.out());
        asAdmin("acl", "delete", "payments");
        var none = (Map<?, ?>) Json.parse(asAdmin("acl", "get", "payments", "-o", "json").out());
        assertEquals(false, none.get("exists"));
    }

    @Test
    void rolesAreListedWithoutALogin() {
        var r = broker.run("role", "list", "-o", "json");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var roles = (List<?>) ((Map<?, ?>) Json.parse(r.out())).get("roles");
        assertEquals(List.of("admin", "producer", "consumer", "guest"),
                roles.stream().map(o -> ((Map<?, ?>) o).get("name")).toList());
    }

    @Test
    void theAuditTrailIsQueriedAndExported() throws Exception {
        broker.run("--user", "admin", "--password-file", password("bad.pw", "nope").toString(), "topic", "list");
        var q = asAdmin("audit", "query", "--type", "auth.failure", "--event-user", "admin", "-o", "json");
        assertEquals(ExitCode.OK, q.code(), q.toString());
        var page = (Map<?, ?>) Json.parse(q.out());
        assertTrue(((Number) page.get("total")).intValue() >= 1, q.out());
        var first = (Map<?, ?>) ((List<?>) page.get("events")).get(0);
        assertEquals("auth.failure", first.get("type"));
        assertEquals("127.0.0.1", first.get("client_ip"));

        Path csv = dir.resolve("audit.csv");
        var export = asAdmin("audit", "export", "--format", "csv", "--file", csv.toString(), "--type",
                "auth.failure");
        assertEquals(ExitCode.OK, export.code(), export.toString());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("id,timestamp_ms,type,user,client_ip,resource,action,result,node_id,details", lines.get(0));
        assertTrue(lines.size() >= 2 && lines.get(1).contains(",auth.failure,admin,"), lines.toString());

        var bad = asAdmin("audit", "query", "--since", "yesterday");
        assertEquals(ExitCode.USAGE, bad.code());
        assertTrue(bad.err().contains("ISO-8601"), bad.err());
    }

    @Test
    void aMissingPasswordFileIsAUsageError() {
        var r = broker.run("--user", "admin", "--password-file", dir.resolve("absent.pw").toString(), "topic",
                "list");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("cannot read --password-file"), r.err());
    }
}
