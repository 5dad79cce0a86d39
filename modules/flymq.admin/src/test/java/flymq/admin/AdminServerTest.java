package flymq.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flymq.admin.api.Route;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final FakeBackend backend = new FakeBackend().withTopic("orders", 2, 3).withTopic("audit", 1, 0)
            .withGroup("billing", "orders", 1);
    private AdminServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private AdminServer start(Authenticator auth, List<String> cors) {
        server = AdminServer.start(new AdminConfig("127.0.0.1:0", cors, "test-1"), backend, auth, 100);
        return server;
    }

    private AdminServer start() {
        return start(Authenticator.allowAll(), List.of());
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !typed) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().map().toString());
        JsonNode body = json(r);
        assertEquals(status, body.get("status").asInt(), r.body());
        assertEquals(code, body.get("code").asText(), r.body());
        assertFalse(body.get("error").asText().isBlank(), r.body());
    }

    @Test
    void everyRouteIsInTheOpenApiDocumentAndTheDocumentNamesNoOtherRoute() throws Exception {
        start();
        JsonNode doc = json(send("GET", "/api/v1/openapi.json", null));
        assertEquals("3.0.3", doc.get("openapi").asText());
        TreeSet<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
            var path = it.next();
            path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path.getKey()));
        }
        TreeSet<String> served = new TreeSet<>();
        for (Route r : server.routes()) {
            served.add(r.method() + " " + r.template());
        }
        assertEquals(served, documented);
        assertEquals(doc, json(send("GET", "/swagger.json", null)), "upstream's /swagger.json is the same document");
        assertEquals(doc, json(send("GET", "/api/v1/swagger.json", null)));
    }

    @Test
    void everyDocumentedOperationAnswersAndNoneIsUnrouted() throws Exception {
        start();
        JsonNode doc = json(send("GET", "/api/v1/openapi.json", null));
        List<String> failures = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
            var path = it.next();
            for (Iterator<String> ms = path.getValue().fieldNames(); ms.hasNext(); ) {
                String method = ms.next().toUpperCase();
                if (path.getKey().equals("/api/v1/events")) {
                    continue; // a stream: its own test reads it
                }
                String concrete = path.getKey().replace("{name}", method.equals("DELETE") ? "audit" : "orders")
                        .replace("{topic}", "orders").replace("{partition}", "0").replace("{id}", "1");
                if (concrete.startsWith("/api/v1/consumer-groups/")) {
                    concrete = concrete.replace("/orders", "/billing");
                }
                String body = switch (method + " " + path.getKey()) {
                    case "POST /api/v1/topics" -> "{\"name\":\"fresh\",\"partitions\":2}";
                    case "POST /api/v1/consumer-groups/{name}/reset" -> "{\"topic\":\"orders\",\"mode\":\"earliest\"}";
                    default -> method.equals("GET") || method.equals("DELETE") ? null : "{}";
                };
                HttpResponse<String> r = send(method, concrete, body);
                boolean unrouted = r.statusCode() == 405
                        || r.statusCode() == 404 && r.body().contains("no such resource")
                        || r.statusCode() >= 500 && r.statusCode() != 501 && r.statusCode() != 503;
                boolean undocumented501 = r.statusCode() == 501
                        && !path.getValue().get(method.toLowerCase()).get("responses").has("501");
                if (unrouted || undocumented501) {
                    failures.add(method + " " + concrete + " answered " + r.statusCode() + ": " + r.body());
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void partitionReassignmentIsRecordedListedCancelledAndRefusedTwice() throws Exception {
        start();
        HttpResponse<String> moved = send("POST", "/api/v1/cluster/partitions/orders/0",
                "{\"new_replicas\":[\"n2\",\"n3\"],\"new_leader\":\"n3\"}");
        assertEquals(202, moved.statusCode(), moved.body());
        JsonNode answer = JSON.readTree(moved.body());
        assertEquals("n3", answer.get("new_leader").asText());
        assertEquals("[\"n3\",\"n2\"]", answer.get("new_replicas").toString(), "the new leader first");
        assertEquals(List.of(new AdminBackend.PartitionMove("orders", 0, backend.moves.get(0).from(),
                List.of("n3", "n2"), false)), backend.moves);
        JsonNode listed = JSON.readTree(send("GET", "/api/v1/cluster/reassignments", null).body());
        assertEquals("[\"n3\",\"n2\"]", listed.get("reassignments").get(0).get("to").toString());
        assertError(send("POST", "/api/v1/cluster/partitions/orders/0/reassign", "{\"new_replicas\":[\"n1\"]}"),
                409, "conflict");
        assertEquals(202, send("POST", "/api/v1/cluster/partitions/orders/0/reassign", "{\"cancel\":true}")
                .statusCode());
        assertTrue(backend.moves.get(0).cancelling(), "cancelled: " + backend.moves);
        assertError(send("POST", "/api/v1/cluster/partitions/orders/0", "{}"), 400, "bad_request");
        assertError(send("POST", "/api/v1/cluster/partitions/orders/x", "{\"new_replicas\":[\"n1\"]}"), 400,
                "bad_request");
        assertError(send("POST", "/api/v1/cluster/partitions/nothing/0", "{\"new_replicas\":[\"n1\"]}"), 404,
                "not_found");
    }

    @Test
    void rebalancePlansWithDryRunAndStartsWithout() throws Exception {
        start();
        JsonNode plan = JSON.readTree(send("POST", "/api/v1/cluster/rebalance", "{\"dry_run\":true}").body());
        assertTrue(plan.get("dry_run").asBoolean());
        assertEquals(List.of(), backend.moves, "a dry run moves nothing");
        int planned = plan.get("moves").size();
        assertEquals(3, planned, "the fake plans a move of each of the 3 partitions");
        JsonNode started = JSON.readTree(send("POST", "/api/v1/cluster/rebalance", "{}").body());
        assertEquals(planned, started.get("moves").size());
        assertEquals(planned, backend.moves.size(), "the plan's moves started");
    }

    @Test
    void unknownPathsAndVerbsAnswerWithTheErrorShape() throws Exception {
        start();
        assertError(send("GET", "/api/v1/nothing", null), 404, "not_found");
        HttpResponse<String> wrongVerb = send("PATCH", "/api/v1/topics", "{}");
        assertError(wrongVerb, 405, "method_not_allowed");
        assertEquals("GET, POST", wrongVerb.headers().firstValue("Allow").orElse(""));
        assertError(send("GET", "/api/v1/topics/missing", null), 404, "not_found");
        assertError(send("GET", "/api/v1/consumer-groups/missing", null), 404, "not_found");
        assertError(send("GET", "/api/v1/topics/orders/messages?partition=7", null), 404, "not_found");
        assertError(send("GET", "/api/v1/topics/orders/messages?limit=0", null), 400, "bad_request");
    }

    @Test
    void createTopicValidatesItsBodyAndAnswers201WithLocation() throws Exception {
        start();
        assertError(send("POST", "/api/v1/topics", "not json"), 400, "bad_request");
        assertError(send("POST", "/api/v1/topics", ""), 400, "bad_request");
        assertError(send("POST", "/api/v1/topics", "{\"partitions\":1}"), 400, "bad_request");
        assertError(send("POST", "/api/v1/topics", "{\"name\":\"x\",\"partitions\":\"two\"}"), 400, "bad_request");
        assertError(send("POST", "/api/v1/topics", "{\"name\":\"x\",\"partitions\":500}"), 400, "bad_request");
        assertError(send("POST", "/api/v1/topics", "{\"name\":\"orders\"}"), 409, "conflict");

        HttpResponse<String> created = send("POST", "/api/v1/topics",
                "{\"name\":\"events\",\"options\":{\"partitions\":3}}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/api/v1/topics/events", created.headers().firstValue("Location").orElse(""));
        assertEquals(3, json(created).get("partitions").asInt(), "upstream's options object is read");
        assertEquals(3, json(created).get("partition_details").size());
    }

    @Test
    void aBodyThatIsNotDeclaredJsonIsRefusedSoOtherSitesFormsCannotWrite() throws Exception {
        start();
        assertError(send("POST", "/api/v1/topics", "{\"name\":\"csrf\"}", "Content-Type", "text/plain"), 415,
                "unsupported_media_type");
        assertError(send("POST", "/api/v1/topics", "name=csrf", "Content-Type", "application/x-www-form-urlencoded"),
                415, "unsupported_media_type");
        assertTrue(backend.topic("csrf").isEmpty());
        assertEquals(201, send("POST", "/api/v1/topics", "{\"name\":\"csrf\"}", "Content-Type",
                "application/json; charset=utf-8").statusCode());
    }

    @Test
    void aLoopbackListenerRefusesRequestsAddressedToOtherNames() throws Exception {
        start();
        assertEquals("HTTP/1.1 421 Misdirected Request", rawGet("evil.example:" + server.port()));
        assertEquals("HTTP/1.1 421 Misdirected Request", rawGet("evil.example"));
        assertTrue(rawGet("localhost:" + server.port()).startsWith("HTTP/1.1 200"));
        assertTrue(rawGet("[::1]:" + server.port()).startsWith("HTTP/1.1 200"));
        assertTrue(rawGet("127.0.0.1").startsWith("HTTP/1.1 200"));
    }

    /** The status line of a GET /api/v1/topics sent with this Host header (java.net.http will not set it). */
    private String rawGet(String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.port())) {
            s.getOutputStream().write(("GET /api/v1/topics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void listsPageWithLimitAndOffset() throws Exception {
        start();
        for (int i = 0; i < 5; i++) {
            backend.withTopic("t" + i, 1, 0);
        }
        HttpResponse<String> first = send("GET", "/api/v1/topics?limit=3", null);
        assertEquals(200, first.statusCode());
        assertEquals(3, json(first).size());
        assertEquals("7", first.headers().firstValue("X-Total-Count").orElse(""));
        assertEquals("</api/v1/topics?offset=3&limit=3>; rel=\"next\"", first.headers().firstValue("Link").orElse(""));
        HttpResponse<String> last = send("GET", "/api/v1/topics?limit=3&offset=6", null);
        assertEquals(1, json(last).size());
        assertTrue(last.headers().firstValue("Link").isEmpty(), "no next page after the last");
        assertError(send("GET", "/api/v1/topics?limit=1001", null), 400, "bad_request");
        assertError(send("GET", "/api/v1/topics?offset=-1", null), 400, "bad_request");
    }

    @Test
    void deletingATopicThatChangedSinceItWasReadIsRefusedWith412() throws Exception {
        start();
        HttpResponse<String> read = send("GET", "/api/v1/topics/orders", null);
        String etag = read.headers().firstValue("ETag").orElseThrow();
        backend.deleteTopic("test", "orders");
        backend.withTopic("orders", 4, 0); // re-created under the same name
        assertError(send("DELETE", "/api/v1/topics/orders", null, "If-Match", etag), 412, "precondition_failed");
        assertTrue(backend.topic("orders").isPresent());
        String now = send("GET", "/api/v1/topics/orders/config", null).headers().firstValue("ETag").orElseThrow();
        assertNotEquals(etag, now);
        assertEquals(204, send("DELETE", "/api/v1/topics/orders", null, "If-Match", now).statusCode());
        assertTrue(backend.topic("orders").isEmpty());
    }

    @Test
    void puttingATopicsConfigChangesOnlyTheSettingsGivenAndAnswersTheNewConfig() throws Exception {
        start();
        HttpResponse<String> put = send("PUT", "/api/v1/topics/orders/config",
                "{\"retention_ms\": 3600000, \"ttl_ms\": 60000}");
        assertEquals(200, put.statusCode(), put.body());
        JsonNode config = json(put);
        assertEquals(3_600_000, config.get("retention_ms").asLong());
        assertEquals(60_000, config.get("ttl_ms").asLong());
        assertEquals(1 << 20, config.get("segment_bytes").asLong(), "untouched");
        assertEquals(List.of("anonymous orders {retention_ms=3600000, ttl_ms=60000}"), backend.alterations);
        assertEquals(put.headers().firstValue("ETag"),
                send("GET", "/api/v1/topics/orders/config", null).headers().firstValue("ETag"), "the new ETag");
        JsonNode described = json(send("GET", "/api/v1/topics/orders", null));
        assertEquals(3_600_000, described.get("retention_ms").asLong(), "describe shows the change");
        assertEquals(60_000, described.get("ttl_ms").asLong());

        // upstream's nested form, and null for the broker default
        HttpResponse<String> nested = send("PUT", "/api/v1/topics/orders/config",
                "{\"config\": {\"retention_ms\": null, \"segment_bytes\": 2048}}");
        assertEquals(200, nested.statusCode(), nested.body());
        assertEquals(604_800_000L, json(nested).get("retention_ms").asLong());
        assertEquals(2048, json(nested).get("segment_bytes").asLong());
        // GET's own answer may be sent back as it is (name included)
        String got = send("GET", "/api/v1/topics/orders/config", null).body();
        assertEquals(200, send("PUT", "/api/v1/topics/orders/config",
                got.replace("\"partitions\":2,\"replica_factor\":1,", "")).statusCode());
    }

    @Test
    void usersAreCreatedListedChangedAndDeletedInUpstreamsShapes() throws Exception {
        start();
        HttpResponse<String> created = send("POST", "/api/v1/users",
                "{\"username\":\"alice\",\"password\":\"pw\",\"roles\":[\"producer\"]}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/api/v1/users/alice", created.headers().firstValue("Location").orElseThrow());
        assertEquals("alice", json(created).get("username").asText());
        assertEquals("producer", json(created).get("roles").get(0).asText());
        assertFalse(created.body().contains("pw"), "no password in an answer: " + created.body());
        assertError(send("POST", "/api/v1/users", "{\"username\":\"alice\",\"password\":\"x\"}"), 409, "conflict");
        assertError(send("POST", "/api/v1/users", "{\"username\":\"bob\"}"), 400, "bad_request");
        assertEquals("alice", json(send("GET", "/api/v1/users", null)).get(0).get("username").asText());

        HttpResponse<String> changed = send("PUT", "/api/v1/users/alice", "{\"enabled\":false}");
        assertEquals(200, changed.statusCode(), changed.body());
        assertFalse(json(changed).get("enabled").asBoolean());
        assertEquals("producer", json(changed).get("roles").get(0).asText(), "roles kept");
        assertError(send("PUT", "/api/v1/users/alice", "{}"), 400, "bad_request");
        assertError(send("PUT", "/api/v1/users/alice", "{\"roles\":\"admin\"}"), 400, "bad_request");
        assertEquals(204, send("POST", "/api/v1/users/alice/password", "{\"new_password\":\"pw2\"}").statusCode());
        assertEquals("pw2", backend.passwords.get("alice"));
        assertEquals("admin", json(send("GET", "/api/v1/roles", null)).get(0).get("name").asText());

        assertEquals(204, send("DELETE", "/api/v1/users/alice", null).statusCode());
        assertError(send("GET", "/api/v1/users/alice", null), 404, "not_found");
        assertError(send("DELETE", "/api/v1/users/alice", null), 404, "not_found");
    }

    @Test
    void auditEventsAreQueriedWithUpstreamsFiltersAndExportedAsFiles() throws Exception {
        start();
        HttpResponse<String> page = send("GET", "/api/v1/audit/events?start_time=2026-12-03T08:00:00Z"
                + "&types=auth.failure,topic.create&user=alice&limit=5&offset=10", null);
        assertEquals(200, page.statusCode(), page.body());
        JsonNode body = json(page);
        assertEquals("topic.create", body.get("events").get(0).get("type").asText());
        assertEquals("2", body.get("events").get(0).get("details").get("partitions").asText());
        assertEquals(1, body.get("total_count").asInt());
        assertFalse(body.get("has_more").asBoolean());
        assertEquals(new AdminBackend.AuditFilter(java.time.Instant.parse("2026-12-03T08:00:00Z").toEpochMilli(), 0,
                List.of("auth.failure", "topic.create"), "alice", "", "", "", 5, 10), backend.lastAuditFilter);
        assertError(send("GET", "/api/v1/audit/events?start_time=yesterday", null), 400, "bad_request");

        HttpResponse<String> csv = send("POST", "/api/v1/audit/export",
                "{\"format\":\"csv\",\"filter\":{\"event_types\":[\"topic.create\"],\"result\":\"success\"}}");
        assertEquals(200, csv.statusCode(), csv.body());
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"), csv.headers().map().toString());
        assertEquals("attachment; filename=audit_events.csv", csv.headers().firstValue("Content-Disposition").orElseThrow());
        assertTrue(csv.body().startsWith("id,type"), csv.body());
        assertEquals(List.of("topic.create"), backend.lastAuditFilter.types());
        assertEquals("success", backend.lastAuditFilter.result());
        assertError(send("POST", "/api/v1/audit/export", "{\"format\":\"xml\"}"), 400, "bad_request");
    }

    @Test
    void topicAclsAreSetReadAndDeleted() throws Exception {
        start();
        JsonNode none = json(send("GET", "/api/v1/acls/orders", null));
        assertFalse(none.get("exists").asBoolean(), none.toString());
        HttpResponse<String> set = send("PUT", "/api/v1/acls/orders",
                "{\"public\":false,\"allowed_users\":[\"alice\"],\"allowed_roles\":[\"consumer\"]}");
        assertEquals(200, set.statusCode(), set.body());
        assertEquals("alice", json(set).get("allowed_users").get(0).asText());
        assertFalse(json(set).get("public").asBoolean());
        HttpResponse<String> list = send("GET", "/api/v1/acls", null);
        assertEquals("orders", json(list).get(0).get("topic").asText());
        assertEquals("true", list.headers().firstValue("X-Default-Public").orElseThrow());
        assertError(send("PUT", "/api/v1/acls/orders", "{\"public\":\"no\"}"), 400, "bad_request");
        assertEquals(204, send("DELETE", "/api/v1/acls/orders", null).statusCode());
        assertError(send("DELETE", "/api/v1/acls/orders", null), 404, "not_found");
    }

    @Test
    void aBadConfigChangeIsRefusedWholeWithTheReason() throws Exception {
        start();
        assertError(send("PUT", "/api/v1/topics/orders/config", "{\"retention_ms\": 1, \"partitions\": 9}"),
                400, "bad_request");
        assertError(send("PUT", "/api/v1/topics/orders/config", "{\"retention_ms\": \"1d\"}"), 400, "bad_request");
        assertError(send("PUT", "/api/v1/topics/orders/config", "{\"retention_ms\": -5}"), 400, "bad_request");
        assertError(send("PUT", "/api/v1/topics/orders/config", "{}"), 400, "bad_request");
        assertError(send("PUT", "/api/v1/topics/orders/config", "{\"segment_bytes\": 10}"), 400, "bad_request");
        assertError(send("PUT", "/api/v1/topics/nope/config", "{\"retention_ms\": 1}"), 404, "not_found");
        assertEquals(List.of(), backend.alterations, "nothing changed");
        assertEquals(604_800_000L, backend.topic("orders").orElseThrow().topic().retentionMs());
    }

    @Test
    void aConfigChangeAgainstAnOutdatedETagIsRefusedWith412() throws Exception {
        start();
        String etag = send("GET", "/api/v1/topics/orders/config", null).headers().firstValue("ETag").orElseThrow();
        assertEquals(200, send("PUT", "/api/v1/topics/orders/config", "{\"retention_ms\": 1000}",
                "If-Match", etag).statusCode());
        assertError(send("PUT", "/api/v1/topics/orders/config", "{\"retention_ms\": 2000}", "If-Match", etag),
                412, "precondition_failed");
        assertEquals(1000, backend.topic("orders").orElseThrow().topic().retentionMs(), "the second did not apply");
    }

    @Test
    void resettingOffsetsThatMovedSinceTheyWereReadIsRefusedWith412() throws Exception {
        start();
        HttpResponse<String> read = send("GET", "/api/v1/consumer-groups/billing", null);
        assertEquals(2, json(read).get("lag").asLong());
        assertEquals(1.5, json(read).get("partitions").get(0).get("lag_seconds").asDouble());
        String etag = read.headers().firstValue("ETag").orElseThrow();
        backend.offsets.get("billing").put("orders/0", 2L); // the consumer committed meanwhile
        assertError(send("POST", "/api/v1/consumer-groups/billing/reset", "{\"topic\":\"orders\",\"mode\":\"earliest\"}",
                "If-Match", etag), 412, "precondition_failed");
        HttpResponse<String> fresh = send("GET", "/api/v1/consumer-groups/billing/lag", null);
        assertEquals(1, json(fresh).get("lag").asLong());
        HttpResponse<String> reset = send("POST", "/api/v1/consumer-groups/billing/reset",
                "{\"topic\":\"orders\",\"mode\":\"offset\",\"offset\":0}",
                "If-Match", send("GET", "/api/v1/consumer-groups/billing", null).headers().firstValue("ETag").orElseThrow());
        assertEquals(200, reset.statusCode(), reset.body());
        assertEquals(3, json(reset).get("lag").asLong());
        assertError(send("POST", "/api/v1/consumer-groups/billing/reset", "{\"topic\":\"orders\",\"mode\":\"sideways\"}"),
                400, "bad_request");
        assertError(send("POST", "/api/v1/consumer-groups/billing/reset", "{\"topic\":\"orders\",\"mode\":\"offset\"}"),
                400, "bad_request");
    }

    @Test
    void messagesCarryKeyHeadersAndValueInBase64() throws Exception {
        start();
        JsonNode page = json(send("GET", "/api/v1/topics/orders/messages?partition=0&offset=1&limit=1", null));
        assertEquals(1, page.get("messages").size());
        JsonNode m = page.get("messages").get(0);
        assertEquals(1, m.get("offset").asLong());
        assertEquals("k1", new String(Base64.getDecoder().decode(m.get("key").asText()), StandardCharsets.UTF_8));
        assertEquals("{\"n\":1}", new String(Base64.getDecoder().decode(m.get("value").asText()), StandardCharsets.UTF_8));
        assertEquals("h", m.get("headers").get(0).get("key").asText());
        assertEquals(2, page.get("next_offset").asLong());
        JsonNode byTime = json(send("GET", "/api/v1/topics/orders/messages?timestamp=1700000000002", null));
        assertEquals(2, byTime.get("messages").get(0).get("offset").asLong());
    }

    @Test
    void healthIsOpenAndSays503WhileTheBrokerIsNotReady() throws Exception {
        start();
        assertEquals("healthy", json(send("GET", "/api/v1/health", null)).get("status").asText());
        backend.ready = false;
        assertEquals(503, send("GET", "/api/v1/health", null).statusCode());
    }

    @Test
    void corsHeadersOnlyForConfiguredOrigins() throws Exception {
        start();
        HttpResponse<String> off = send("GET", "/api/v1/topics", null, "Origin", "https://evil.example");
        assertTrue(off.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "CORS is off by default");
        server.close();
        start(Authenticator.allowAll(), List.of("https://ops.example"));
        HttpResponse<String> allowed = send("GET", "/api/v1/topics", null, "Origin", "https://ops.example");
        assertEquals("https://ops.example", allowed.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> other = send("GET", "/api/v1/topics", null, "Origin", "https://evil.example");
        assertTrue(other.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        HttpResponse<String> preflight = send("OPTIONS", "/api/v1/topics/orders", null, "Origin", "https://ops.example",
                "Access-Control-Request-Method", "DELETE");
        assertEquals(204, preflight.statusCode());
        assertEquals("DELETE, GET", preflight.headers().firstValue("Access-Control-Allow-Methods").orElse(""));
    }

    @Test
    void withAuthenticationRequiredCallersNeedCredentialsAndTheRightAccess() throws Exception {
        String readerAuth = "Basic " + Base64.getEncoder().encodeToString("reader:pw".getBytes(StandardCharsets.UTF_8));
        start(new Authenticator() {
            @Override
            public boolean required() {
                return true;
            }

            @Override
            public Optional<Principal> authenticate(String authorization) {
                return readerAuth.equals(authorization) ? Optional.of(new Principal("reader", false, false))
                        : Optional.empty();
            }
        }, List.of());
        HttpResponse<String> anonymous = send("GET", "/api/v1/topics", null);
        assertError(anonymous, 401, "unauthorized");
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm=\"flymq\""));
        assertError(send("GET", "/api/v1/topics", null, "Authorization", "Basic d3Jvbmc6d3Jvbmc="), 401, "unauthorized");
        assertEquals(200, send("GET", "/api/v1/topics", null, "Authorization", readerAuth).statusCode());
        assertError(send("DELETE", "/api/v1/topics/orders", null, "Authorization", readerAuth), 403, "forbidden");
        assertTrue(backend.topic("orders").isPresent());
        assertEquals(200, send("GET", "/api/v1/health", null).statusCode(), "health needs no credentials");
        assertEquals(200, send("GET", "/api/v1/openapi.json", null).statusCode());
        assertEquals(200, send("GET", "/ui/", null).statusCode(), "the console's files are public; its data is not");
    }

    @Test
    void theEventStreamSendsSnapshots() throws Exception {
        start();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/events"))
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            List<JsonNode> events = new ArrayList<>();
            String line;
            while (events.size() < 2 && (line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events.add(JSON.readTree(line.substring(6)));
                }
            }
            assertEquals(2, events.size(), "a snapshot at once and another after the interval");
            assertEquals("audit", events.get(0).get("topics").get(0).get("name").asText());
            assertEquals(10, events.get(1).get("traffic").get("messages_in").asLong());
        }
    }

    @Test
    void theConsoleIsServedFromTheModuleWithASelfOnlyContentPolicy() throws Exception {
        start();
        HttpResponse<String> root = send("GET", "/", null);
        assertEquals(308, root.statusCode());
        assertEquals("/ui/", root.headers().firstValue("Location").orElse(""));
        HttpResponse<String> index = send("GET", "/ui/", null);
        assertEquals(200, index.statusCode());
        assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(index.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        assertTrue(index.body().contains("<script type=\"module\" src=\"console.js\">"), index.body());
        assertFalse(index.body().contains("http://") || index.body().contains("https://"), "no CDN, no other origin");
        for (String js : List.of("console.js", "pages.js", "api.js", "format.js", "charts.js")) {
            HttpResponse<String> r = send("GET", "/ui/" + js, null);
            assertEquals(200, r.statusCode(), js);
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"), js);
            assertFalse(r.body().contains("https://"), js + " loads nothing from elsewhere");
        }
        assertEquals(404, send("GET", "/ui/secrets.txt", null).statusCode());
        assertEquals(405, send("POST", "/ui/", "{}").statusCode());
    }

    @Test
    void aTakenPortFailsTheStartNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> AdminServer.start(
                    new AdminConfig("127.0.0.1:" + taken.getLocalPort(), List.of(), "t"), backend,
                    Authenticator.allowAll()));
            assertTrue(e.getMessage().startsWith("cannot listen on observability.admin.addr 127.0.0.1:"
                    + taken.getLocalPort()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new AdminConfig("nohost", List.of(), "t"));
    }

    @Test
    void consoleUrlNamesLocalhostForAWildcardBind() {
        assertEquals("http://localhost:9096/ui/", AdminServer.consoleUrl("http", "0.0.0.0", 9096));
        assertEquals("http://127.0.0.1:9096/ui/", AdminServer.consoleUrl("http", "127.0.0.1", 9096));
        assertEquals("http://[::1]:9096/ui/", AdminServer.consoleUrl("http", "::1", 9096));
    }
}
