package flymq.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/auth/token} against an authenticator that knows two Basic users and keeps tokens in
 * {@link BearerTokens} on a clock the test moves: issuing, using, expiry, revocation, and what is refused.
 */
class BearerTokenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final BearerTokens tokens = new BearerTokens(new InstantSource() {
        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    });
    private final Map<String, Authenticator.Principal> users = Map.of(
            basic("reader", "pw"), new Authenticator.Principal("reader", false, false),
            basic("root", "pw"), new Authenticator.Principal("root", true, true));
    private AdminServer server;

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private final Authenticator authenticator = new Authenticator() {
        @Override
        public boolean required() {
            return true;
        }

        @Override
        public Optional<Principal> authenticate(String authorization) {
            if (authorization != null && authorization.startsWith("Bearer ")) {
                return tokens.user(authorization.substring(7)).map(u -> users.get(basic(u, "pw")));
            }
            return Optional.ofNullable(users.get(authorization));
        }

        @Override
        public Optional<BearerTokens.Issued> issueToken(String authorization, long ttlMillis) {
            return Optional.ofNullable(users.get(authorization)).map(p -> tokens.issue(p.name(), ttlMillis));
        }

        @Override
        public Optional<String> tokenUser(String token) {
            return tokens.user(token);
        }

        @Override
        public boolean revokeToken(String token) {
            return tokens.revoke(token);
        }
    };

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = JSON.readTree(r.body());
        assertEquals(status, body.get("status").asInt(), r.body());
        assertEquals(code, body.get("code").asText(), r.body());
        assertFalse(body.get("error").asText().isBlank(), r.body());
    }

    private String issue(String authorization, String body) throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/auth/token", body, authorization);
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
        JsonNode t = JSON.readTree(r.body());
        assertEquals("Bearer", t.get("token_type").asText());
        assertTrue(t.get("token").asText().startsWith(BearerTokens.PREFIX), r.body());
        return t.get("token").asText();
    }

    @Test
    void aTokenStandsForItsUserUntilItExpires() throws Exception {
        server = AdminServer.start(new AdminConfig("127.0.0.1:0", List.of(), "test-1"), new FakeBackend()
                .withTopic("orders", 1, 1), authenticator, 100);
        String token = issue(basic("reader", "pw"), "{\"ttl_seconds\":60}");
        assertNotEquals(token, issue(basic("reader", "pw"), null), "every token is new");

        assertEquals(200, send("GET", "/api/v1/topics", null, "Bearer " + token).statusCode());
        assertError(send("DELETE", "/api/v1/topics/orders", null, "Bearer " + token), 403, "forbidden");

        now.addAndGet(59_999);
        assertEquals(200, send("GET", "/api/v1/topics", null, "Bearer " + token).statusCode());
        now.addAndGet(1);
        HttpResponse<String> expired = send("GET", "/api/v1/topics", null, "Bearer " + token);
        assertError(expired, 401, "unauthorized");
        assertTrue(expired.headers().firstValue("WWW-Authenticate").orElse("").contains("Bearer"));
    }

    @Test
    void wrongTokensAndWrongRequestsAreRefusedWithTheErrorShape() throws Exception {
        server = AdminServer.start(new AdminConfig("127.0.0.1:0", List.of(), "test-1"), new FakeBackend(),
                authenticator, 100);
        assertError(send("GET", "/api/v1/topics", null, "Bearer fmq_not-a-token"), 401, "unauthorized");
        assertError(send("POST", "/api/v1/auth/token", null, basic("reader", "wrong")), 401, "unauthorized");
        String token = issue(basic("reader", "pw"), null);
        assertError(send("POST", "/api/v1/auth/token", null, "Bearer " + token), 400, "bad_request");
        assertError(send("POST", "/api/v1/auth/token", "{\"ttl_seconds\":0}", basic("reader", "pw")), 400,
                "bad_request");
        assertError(send("POST", "/api/v1/auth/token", "{\"ttl_seconds\":86401}", basic("reader", "pw")), 400,
                "bad_request");
    }

    @Test
    void revocationEndsATokenAndOnlyItsOwnerOrAnAdministratorMayRevokeIt() throws Exception {
        server = AdminServer.start(new AdminConfig("127.0.0.1:0", List.of(), "test-1"), new FakeBackend(),
                authenticator, 100);
        String mine = issue(basic("reader", "pw"), null);
        String roots = issue(basic("root", "pw"), null);

        assertError(send("DELETE", "/api/v1/auth/token", "{\"token\":\"" + roots + "\"}", basic("reader", "pw")),
                403, "forbidden");
        assertEquals(200, send("GET", "/api/v1/topics", null, "Bearer " + roots).statusCode());

        assertEquals(204, send("DELETE", "/api/v1/auth/token", null, "Bearer " + mine).statusCode());
        assertError(send("GET", "/api/v1/topics", null, "Bearer " + mine), 401, "unauthorized");
        assertError(send("DELETE", "/api/v1/auth/token", "{\"token\":\"" + mine + "\"}", basic("reader", "pw")),
                404, "not_found");

        assertEquals(204, send("DELETE", "/api/v1/auth/token", "{\"token\":\"" + roots + "\"}",
                basic("root", "pw")).statusCode());
        assertError(send("GET", "/api/v1/topics", null, "Bearer " + roots), 401, "unauthorized");
    }

    @Test
    void tokensAreRandomAndOnlyTheirHashIsKept() {
        BearerTokens t = new BearerTokens(InstantSource.system());
        BearerTokens.Issued a = t.issue("u", 1000);
        BearerTokens.Issued b = t.issue("u", 1000);
        assertNotEquals(a.token(), b.token());
        // 32 random bytes in unpadded base64url after the prefix
        assertEquals(BearerTokens.PREFIX.length() + 43, a.token().length());
        assertEquals(Optional.of("u"), t.user(a.token()));
        assertEquals(Optional.empty(), t.user(a.token() + "x"));
        assertTrue(t.revoke(a.token()));
        assertFalse(t.revoke(a.token()));
        assertEquals(Optional.of("u"), t.user(b.token()));
    }
}
