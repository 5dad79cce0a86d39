package flymq.broker.admin;

import static flymq.broker.admin.AdminAuthTest.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream's /users, /roles and /acls on a broker with {@code auth.enabled}: an administrator manages users and
 * topic ACLs through the API, the broker's binary port sees the result (a user's login, its password), a user
 * without the admin role is refused, and with authentication off the API says why nothing can change.
 */
class SecurityAdminApiTest {
    @TempDir
    Path dataDir;

    private BrokerConfig config(boolean auth) {
        return BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0", "node_id", "security-api",
                "data_dir", dataDir.resolve(auth ? "on" : "off").toString(),
                "observability.metrics.addr", "127.0.0.1:0", "observability.health.addr", "127.0.0.1:0",
                "observability.admin.addr", "127.0.0.1:0", "auth.enabled", Boolean.toString(auth),
                "auth.admin_password", "s3cret", "auth.password_hash_iterations", "1000"));
    }

    /** A POST whose answer is a file, not JSON. */
    static final class AdminApiTestHttp {
        static String post(int port, String path, String body, String user, String password) throws Exception {
            var c = (java.net.HttpURLConnection) java.net.URI.create("http://127.0.0.1:" + port + path).toURL()
                    .openConnection();
            c.setRequestMethod("POST");
            c.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            c.setRequestProperty("Content-Type", "application/json");
            c.setDoOutput(true);
            try (var out = c.getOutputStream()) {
                out.write(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            assertEquals(200, c.getResponseCode());
            assertTrue(c.getContentType().startsWith("text/csv"), c.getContentType());
            try (var in = c.getInputStream()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }

    private static List<String> names(JsonNode list, String field) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }

    @Test
    void anAdministratorManagesUsersAndAclsThroughTheApi() throws Exception {
        try (BrokerNode node = BrokerNode.start(config(true))) {
            int api = node.adminPort().orElseThrow();
            String broker = "127.0.0.1:" + node.boundPort();
            var created = call(api, "POST", "/api/v1/users",
                    "{\"username\":\"alice\",\"password\":\"pw-1\",\"roles\":[\"producer\"]}", "admin", "s3cret");
            assertEquals(201, created.status(), String.valueOf(created.body()));
            assertEquals("alice", created.body().get("username").asText());
            assertEquals("producer", created.body().get("roles").get(0).asText());
            assertTrue(created.body().get("enabled").asBoolean());
            assertEquals(409, call(api, "POST", "/api/v1/users", "{\"username\":\"alice\",\"password\":\"x\"}",
                    "admin", "s3cret").status());

            JsonNode users = call(api, "GET", "/api/v1/users", null, "admin", "s3cret").body();
            assertTrue(names(users, "username").containsAll(List.of("admin", "alice")), users.toString());
            try (FlyMqClient alice = FlyMqClient.builder().bootstrap(broker).credentials("alice", "pw-1").build()) {
                assertEquals("alice", alice.whoami().username(), "the API's user logs in on the binary port");
            }
            assertEquals(403, call(api, "GET", "/api/v1/users", null, "alice", "pw-1").status(),
                    "a producer may not list users");

            var changed = call(api, "PUT", "/api/v1/users/alice", "{\"roles\":[\"consumer\"],\"enabled\":false}",
                    "admin", "s3cret");
            assertEquals(200, changed.status(), String.valueOf(changed.body()));
            assertEquals("consumer", changed.body().get("roles").get(0).asText());
            assertFalse(changed.body().get("enabled").asBoolean());
            var enabledAgain = call(api, "PUT", "/api/v1/users/alice", "{\"enabled\":true}", "admin", "s3cret");
            assertEquals("consumer", enabledAgain.body().get("roles").get(0).asText(), "roles kept");
            assertEquals(204, call(api, "POST", "/api/v1/users/alice/password", "{\"new_password\":\"pw-2\"}",
                    "admin", "s3cret").status());
            try (FlyMqClient alice = FlyMqClient.builder().bootstrap(broker).credentials("alice", "pw-2").build()) {
                assertEquals("alice", alice.whoami().username(), "the new password is the broker's");
            }

            assertTrue(names(call(api, "GET", "/api/v1/roles", null, "admin", "s3cret").body(), "name")
                    .containsAll(List.of("admin", "producer", "consumer")));

            var acl = call(api, "PUT", "/api/v1/acls/orders",
                    "{\"public\":false,\"allowed_users\":[\"alice\"],\"allowed_roles\":[]}", "admin", "s3cret");
            assertEquals(200, acl.status(), String.valueOf(acl.body()));
            assertTrue(acl.body().get("exists").asBoolean());
            assertEquals("alice", acl.body().get("allowed_users").get(0).asText());
            assertEquals(List.of("orders"), names(call(api, "GET", "/api/v1/acls", null, "admin", "s3cret").body(),
                    "topic"));
            assertEquals(204, call(api, "DELETE", "/api/v1/acls/orders", null, "admin", "s3cret").status());
            assertFalse(call(api, "GET", "/api/v1/acls/orders", null, "admin", "s3cret").body().get("exists")
                    .asBoolean());

            var audit = call(api, "GET", "/api/v1/audit/events?types=user.create&resource=alice&result=success", null,
                    "admin", "s3cret");
            assertEquals(200, audit.status(), String.valueOf(audit.body()));
            assertEquals(1, audit.body().get("total_count").asInt(), audit.body().toString());
            JsonNode event = audit.body().get("events").get(0);
            assertEquals("admin", event.get("user").asText(), "the API's caller is the event's user");
            assertEquals("success", event.get("result").asText());
            var csv = AdminApiTestHttp.post(api, "/api/v1/audit/export",
                    "{\"format\":\"csv\",\"filter\":{\"event_types\":[\"acl.set\"]}}", "admin", "s3cret");
            assertTrue(csv.contains("acl.set") && csv.contains("orders"), csv);

            assertEquals(204, call(api, "DELETE", "/api/v1/users/alice", null, "admin", "s3cret").status());
            assertEquals(404, call(api, "GET", "/api/v1/users/alice", null, "admin", "s3cret").status());
            assertEquals(404, call(api, "DELETE", "/api/v1/users/alice", null, "admin", "s3cret").status());
        }
    }

    @Test
    void withAuthenticationOffNothingCanChangeAndTheApiSaysWhy() throws Exception {
        try (BrokerNode node = BrokerNode.start(config(false))) {
            int api = node.adminPort().orElseThrow();
            var refused = call(api, "POST", "/api/v1/users", "{\"username\":\"bob\",\"password\":\"pw\"}", null, null);
            assertEquals(400, refused.status(), String.valueOf(refused.body()));
            assertTrue(refused.body().get("error").asText().contains("auth.enabled = false"), refused.body().toString());
            assertEquals(200, call(api, "GET", "/api/v1/roles", null, null, null).status());
        }
    }
}
