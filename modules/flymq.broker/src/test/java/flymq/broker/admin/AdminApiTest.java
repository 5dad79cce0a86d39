package flymq.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import flymq.client.Header;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.client.SubscribeMode;
import flymq.protocol.Acks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API of a broker started as `flymq server start` starts it, driven together with the binary protocol. */
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    record Answer(int status, JsonNode body, String etag) {
    }

    static Answer call(int port, String method, String path, String body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection();
        c.setRequestMethod(method);
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
            return new Answer(status, text.isEmpty() ? null : JSON.readTree(text), c.getHeaderField("ETag"));
        }
    }

    private BrokerConfig config(String adminAddr) {
        return BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "node_id", "admin-1",
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0",
                "observability.admin.addr", adminAddr));
    }

    @Test
    void topicsMessagesAndGroupsThroughTheApiMatchWhatClientsDid() throws Exception {
        try (BrokerNode node = BrokerNode.start(config("127.0.0.1:0"));
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            int port = node.adminPort().orElseThrow();
            assertEquals("http://127.0.0.1:" + port + "/ui/", node.consoleUrl().orElseThrow());

            Answer created = call(port, "POST", "/api/v1/topics", "{\"name\":\"orders\",\"partitions\":2,"
                    + "\"retention_ms\":3600000}");
            assertEquals(201, created.status(), String.valueOf(created.body()));
            assertEquals(List.of("orders"), client.listTopics(), "the API's topic is the protocol's topic");
            assertEquals(409, call(port, "POST", "/api/v1/topics", "{\"name\":\"orders\"}").status());
            assertEquals(400, call(port, "POST", "/api/v1/topics", "{\"name\":\"bad name!\"}").status());

            client.batchProduce("orders", Acks.LEADER, List.of(new PartitionRecords(0, List.of(
                    ProducerRecord.of("orders", "k1".getBytes(StandardCharsets.UTF_8),
                                    "{\"amount\":5}".getBytes(StandardCharsets.UTF_8))
                            .withHeaders(List.of(new Header("trace", "abc".getBytes(StandardCharsets.UTF_8)))),
                    ProducerRecord.of("orders", "second".getBytes(StandardCharsets.UTF_8))))));

            JsonNode topic = call(port, "GET", "/api/v1/topics/orders", null).body();
            assertEquals(2, topic.get("message_count").asLong());
            assertEquals(3_600_000, topic.get("retention_ms").asLong());
            assertEquals(2, topic.get("partition_details").get(0).get("end_offset").asLong());

            JsonNode page = call(port, "GET", "/api/v1/topics/orders/messages?partition=0", null).body();
            JsonNode first = page.get("messages").get(0);
            assertEquals("k1", text(first.get("key")));
            assertEquals("{\"amount\":5}", text(first.get("value")));
            assertEquals("trace", first.get("headers").get(0).get("key").asText());
            assertEquals("abc", text(first.get("headers").get(0).get("value")));
            assertEquals(2, page.get("next_offset").asLong());
            assertEquals(400, call(port, "GET", "/api/v1/topics/orders/messages?offset=9", null).status());

            client.subscribe("orders", "billing", 0, SubscribeMode.EARLIEST);
            client.commit("orders", "billing", 0, 1);
            Answer group = call(port, "GET", "/api/v1/consumer-groups/billing", null);
            assertEquals(1, group.body().get("lag").asLong());
            JsonNode p0 = group.body().get("partitions").get(0);
            assertEquals(1, p0.get("offset").asLong());
            assertTrue(p0.get("lag_seconds").asDouble() >= 0, "lag in seconds of the oldest unread record: " + p0);

            Answer reset = call(port, "POST", "/api/v1/consumer-groups/billing/reset",
                    "{\"topic\":\"orders\",\"partition\":0,\"mode\":\"earliest\"}");
            assertEquals(200, reset.status(), String.valueOf(reset.body()));
            assertEquals(0, client.getOffset("orders", "billing", 0), "the reset is the protocol's offset");

            assertEquals(204, call(port, "DELETE", "/api/v1/consumer-groups/billing", null).status());
            assertEquals(404, call(port, "GET", "/api/v1/consumer-groups/billing", null).status());
            assertEquals(204, call(port, "DELETE", "/api/v1/topics/orders", null).status());
            assertEquals(List.of(), client.listTopics());

            JsonNode cluster = call(port, "GET", "/api/v1/cluster", null).body();
            assertEquals("admin-1", cluster.get("leader_id").asText());
            assertEquals(1, cluster.get("node_count").asInt());
            assertTrue(call(port, "GET", "/api/v1/traffic", null).body().get("messages_in").asLong() >= 0);
        }
    }

    @Test
    void onTheDefaultAddressATakenPortSkipsTheApiButAConfiguredOneFailsTheStart() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.setReuseAddress(true);
            try {
                taken.bind(new java.net.InetSocketAddress("127.0.0.1", 9096));
            } catch (IOException inUse) {
                // another broker on this machine holds the default port: the case under test all the same
            }
            try (BrokerNode node = BrokerNode.start(config(BrokerConfig.DEFAULT_ADMIN_ADDR))) {
                assertTrue(node.adminPort().isEmpty(), "the default port is taken: no admin listener");
            }
        }
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> BrokerNode.start(config("127.0.0.1:" + taken.getLocalPort())));
            assertTrue(e.getMessage().contains("observability.admin.addr"), e.getMessage());
        }
    }

    @Test
    void adminCanBeSwitchedOff() {
        BrokerConfig off = BrokerConfig.load(null, Map.of(), Map.of("bind_addr", "127.0.0.1:0",
                "data_dir", dataDir.toString(), "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0", "observability.admin.enabled", "false"));
        try (BrokerNode node = BrokerNode.start(off)) {
            assertTrue(node.adminPort().isEmpty());
            assertTrue(node.consoleUrl().isEmpty());
        }
    }

    @Test
    void aTopicsConfigPutThroughTheApiIsWhatClientsAndARestartedBrokerSee() throws Exception {
        try (BrokerNode node = BrokerNode.start(config("127.0.0.1:0"));
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            int port = node.adminPort().orElseThrow();
            client.createTopic("tuned", 1);
            Answer before = call(port, "GET", "/api/v1/topics/tuned/config", null);
            assertEquals(0, before.body().get("ttl_ms").asLong(), "no TTL: records never expire");
            Answer put = call(port, "PUT", "/api/v1/topics/tuned/config",
                    "{\"retention_bytes\":1048576,\"ttl_ms\":30000,\"segment_ms\":600000}");
            assertEquals(200, put.status(), String.valueOf(put.body()));
            assertTrue(!put.etag().equals(before.etag()), "a new ETag");
            var m = client.metadata("tuned");
            assertEquals(1_048_576, m.retentionBytes());
            assertEquals(600_000, m.segmentMs());
            assertEquals(30_000, m.ttlMs());
        }
        try (BrokerNode again = BrokerNode.start(config("127.0.0.1:0"))) {
            JsonNode t = call(again.adminPort().orElseThrow(), "GET", "/api/v1/topics/tuned", null).body();
            assertEquals(1_048_576, t.get("retention_bytes").asLong(), "kept across a restart: " + t);
            assertEquals(30_000, t.get("ttl_ms").asLong());
            assertEquals(600_000, t.get("segment_ms").asLong());
        }
    }

    static String text(JsonNode base64) {
        return new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.UTF_8);
    }
}
