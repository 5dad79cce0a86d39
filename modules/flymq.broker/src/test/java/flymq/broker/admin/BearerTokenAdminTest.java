package flymq.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer tokens of the admin API on a broker with {@code auth.enabled}: a token carries its user's roles as Basic
 * does (a consumer's token reads but cannot create topics; an administrator's can), a wrong or revoked token is a 401
 * with the JSON error shape, and a user disabled after the token was issued loses it at once.
 */
class BearerTokenAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    record Answer(int status, JsonNode body) {
    }

    static Answer call(int port, String method, String path, String body, String authorization) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection();
        c.setRequestMethod(method);
        if (authorization != null) {
            c.setRequestProperty("Authorization", authorization);
        }
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(status, text.isEmpty() ? null : JSON.readTree(text));
        }
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String token(int port, String user, String password) throws IOException {
        Answer a = call(port, "POST", "/api/v1/auth/token", null, basic(user, password));
        assertEquals(201, a.status(), String.valueOf(a.body()));
        assertEquals(user, a.body().get("user").asText());
        return "Bearer " + a.body().get("token").asText();
    }

    private BrokerConfig config() {
        return BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "node_id", "admin-token",
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0",
                "observability.admin.addr", "127.0.0.1:0",
                "auth.enabled", "true",
                "auth.admin_password", "s3cret",
                "auth.password_hash_iterations", "1000"));
    }

    @Test
    void aTokenCarriesItsUsersRolesUntilRevoked() throws Exception {
        try (BrokerNode node = BrokerNode.start(config());
             FlyMqClient admin = FlyMqClient.builder().bootstrap("127.0.0.1:" + node.boundPort())
                     .credentials("admin", "s3cret").build()) {
            int port = node.adminPort().orElseThrow();
            admin.createUser("carl", "pw-carl", List.of("consumer"));
            String carl = token(port, "carl", "pw-carl");
            String root = token(port, "admin", "s3cret");

            assertEquals(200, call(port, "GET", "/api/v1/topics", null, carl).status());
            Answer refused = call(port, "POST", "/api/v1/topics", "{\"name\":\"orders\"}", carl);
            assertEquals(403, refused.status(), String.valueOf(refused.body()));
            assertEquals("forbidden", refused.body().get("code").asText());
            assertEquals(List.of(), admin.listTopics(), "a consumer's token creates no topic");
            assertEquals(403, call(port, "GET", "/api/v1/users", null, carl).status(), "nor administers users");

            Answer created = call(port, "POST", "/api/v1/topics", "{\"name\":\"orders\"}", root);
            assertEquals(201, created.status(), String.valueOf(created.body()));
            assertEquals(List.of("orders"), admin.listTopics());

            Answer wrong = call(port, "GET", "/api/v1/topics", null, "Bearer fmq_" + "A".repeat(43));
            assertEquals(401, wrong.status());
            assertEquals("unauthorized", wrong.body().get("code").asText());
            assertEquals(401, wrong.body().get("status").asInt());
            assertTrue(!wrong.body().get("error").asText().isBlank());

            assertEquals(204, call(port, "DELETE", "/api/v1/auth/token", null, root).status());
            assertEquals(401, call(port, "GET", "/api/v1/topics", null, root).status(), "revoked");
            assertEquals(200, call(port, "GET", "/api/v1/topics", null, carl).status(), "other tokens live on");

            admin.updateUser("carl", List.of("consumer"), false);
            assertEquals(401, call(port, "GET", "/api/v1/topics", null, carl).status(),
                    "a disabled user's token stops at once");
        }
    }

    @Test
    void withAuthOffNoTokenIsIssued() throws Exception {
        BrokerConfig off = BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0", "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0", "observability.health.addr", "127.0.0.1:0",
                "observability.admin.addr", "127.0.0.1:0"));
        try (BrokerNode node = BrokerNode.start(off)) {
            Answer a = call(node.adminPort().orElseThrow(), "POST", "/api/v1/auth/token", null, basic("x", "y"));
            assertEquals(400, a.status());
            assertTrue(a.body().get("error").asText().contains("auth.enabled"), a.body().toString());
        }
    }
}
