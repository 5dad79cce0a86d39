package flymq.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import flymq.protocol.message.AuditEvent;
import flymq.protocol.message.AuditQueryRequest;
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
 * The admin API with the broker's {@code auth.enabled}: HTTP Basic with the broker's users, reads for every user,
 * changes through the same access check and audit trail as the wire requests they become.
 */
class AdminAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    record Answer(int status, JsonNode body, String authenticate) {
    }

    static Answer call(int port, String method, String path, String body, String user, String password)
            throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection();
        c.setRequestMethod(method);
        if (user != null) {
            c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
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
            return new Answer(status, text.isEmpty() ? null : JSON.readTree(text),
                    c.getHeaderField("WWW-Authenticate"));
        }
    }

    private BrokerConfig config(boolean auth) {
        return BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "node_id", "admin-auth",
                "data_dir", dataDir.resolve(auth ? "on" : "off").toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0",
                "observability.admin.addr", "127.0.0.1:0",
                "auth.enabled", Boolean.toString(auth),
                "auth.admin_password", "s3cret",
                "auth.password_hash_iterations", "1000"));
    }

    @Test
    void everyApiCallNeedsTheCredentialsOfABrokerUser() throws Exception {
        try (BrokerNode node = BrokerNode.start(config(true));
             FlyMqClient admin = FlyMqClient.builder().bootstrap("127.0.0.1:" + node.boundPort())
                     .credentials("admin", "s3cret").build()) {
            int port = node.adminPort().orElseThrow();
            admin.createUser("pat", "pw-pat", List.of("producer"));
            admin.createUser("dora", "pw-dora", List.of("guest"));
            admin.updateUser("dora", List.of(), false);

            Answer none = call(port, "GET", "/api/v1/topics", null, null, null);
            assertEquals(401, none.status());
            assertTrue(none.authenticate().startsWith("Basic"), none.authenticate());
            assertEquals(401, call(port, "GET", "/api/v1/topics", null, "admin", "wrong").status());
            assertEquals(401, call(port, "GET", "/api/v1/topics", null, "nobody", "x").status());
            assertEquals(401, call(port, "GET", "/api/v1/topics", null, "dora", "pw-dora").status(),
                    "a disabled user");
            assertEquals(200, call(port, "GET", "/api/v1/health", null, null, null).status(), "health stays open");

            assertEquals(200, call(port, "GET", "/api/v1/topics", null, "pat", "pw-pat").status(),
                    "any user may read");
            Answer refused = call(port, "POST", "/api/v1/topics", "{\"name\":\"orders\"}", "pat", "pw-pat");
            assertEquals(403, refused.status(), String.valueOf(refused.body()));
            assertTrue(refused.body().path("error").asText().startsWith("unauthorized"), refused.body().toString());
            assertEquals(List.of(), admin.listTopics());

            Answer created = call(port, "POST", "/api/v1/topics", "{\"name\":\"orders\",\"partitions\":2}",
                    "admin", "s3cret");
            assertEquals(201, created.status(), String.valueOf(created.body()));
            assertEquals(List.of("orders"), admin.listTopics());

            List<AuditEvent> events = admin.queryAudit(AuditQueryRequest.ALL).events();
            AuditEvent create = events.stream().filter(e -> e.type().equals("topic.create")).findFirst()
                    .orElseThrow();
            assertEquals("admin", create.user(), "the API's caller is the event's user");
            assertEquals("orders", create.resource());
            AuditEvent denied = events.stream().filter(e -> e.type().equals("access.denied")).findFirst()
                    .orElseThrow();
            assertEquals("pat", denied.user());
            assertEquals("CREATE_TOPIC", denied.action());
            assertTrue(events.stream().anyMatch(e -> e.type().equals("auth.failure") && e.user().equals("admin")
                    && e.action().equals("admin_api")), "a wrong API password is audited");
        }
    }

    @Test
    void twentyWrongPasswordsForANameRefuseItForAMinute() throws Exception {
        try (BrokerNode node = BrokerNode.start(config(true))) {
            int port = node.adminPort().orElseThrow();
            for (int i = 0; i < UserAuthenticator.MAX_FAILURES; i++) {
                assertEquals(401, call(port, "GET", "/api/v1/topics", null, "admin", "guess-" + i).status());
            }
            assertEquals(401, call(port, "GET", "/api/v1/topics", null, "admin", "s3cret").status(),
                    "the right password is not even checked now");
            try (FlyMqClient admin = FlyMqClient.builder().bootstrap("127.0.0.1:" + node.boundPort())
                    .credentials("admin", "s3cret").build()) {
                // only the failures that were checked are audited: 20, not 21
                assertEquals(20, admin.queryAudit(new AuditQueryRequest(0, 0, List.of("auth.failure"), "", "", "",
                        "", 0, 0)).total());
            }
        }
    }

    @Test
    void withAuthOffTheApiNeedsNoCredentials() throws Exception {
        try (BrokerNode node = BrokerNode.start(config(false))) {
            int port = node.adminPort().orElseThrow();
            assertEquals(201, call(port, "POST", "/api/v1/topics", "{\"name\":\"open\"}", null, null).status());
        }
    }
}
