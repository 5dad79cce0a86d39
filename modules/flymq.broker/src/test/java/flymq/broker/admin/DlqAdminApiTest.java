package flymq.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstream's {@code /api/v1/dlq} routes over the broker's dead-letter queues. */
class DlqAdminApiTest {
    @TempDir
    Path dataDir;

    @Test
    void listReplayAndPurgeThroughTheApi() throws Exception {
        BrokerConfig config = BrokerConfig.load(null, Map.of(), Map.of("bind_addr", "127.0.0.1:0",
                "node_id", "admin-1", "data_dir", dataDir.toString(), "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0", "observability.admin.addr", "127.0.0.1:0",
                "dlq.enabled", "true", "dlq.max_retries", "0"));
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            int port = node.adminPort().orElseThrow();
            for (int i = 0; i < 2; i++) {
                client.produce("orders", ("order-" + i).getBytes(StandardCharsets.UTF_8));
                client.nack("billing", "orders", 0, i, "failed " + i);
            }

            AdminApiTest.Answer list = AdminApiTest.call(port, "GET", "/api/v1/dlq/orders?max_messages=1", null);
            assertEquals(200, list.status(), String.valueOf(list.body()));
            JsonNode first = list.body().get(0);
            assertEquals(1, list.body().size());
            assertEquals("0", first.get("id").asText());
            assertEquals("orders", first.get("topic").asText());
            assertEquals("order-0", new String(Base64.getDecoder().decode(first.get("data").asText()),
                    StandardCharsets.UTF_8));
            assertEquals("failed 0", first.get("error").asText());
            assertEquals(0, first.get("retries").asInt());

            AdminApiTest.Answer replay = AdminApiTest.call(port, "POST", "/api/v1/dlq/orders/replay/0", null);
            assertEquals(200, replay.status(), String.valueOf(replay.body()));
            assertTrue(replay.body().get("message").asText().startsWith("replayed dead letter 0 to orders"));
            assertEquals(3, client.fetch("orders", 0, 0, 10).records().size(), "the client sees the copy");
            assertEquals(404, AdminApiTest.call(port, "POST", "/api/v1/dlq/orders/replay/9", null).status());

            assertEquals(204, AdminApiTest.call(port, "DELETE", "/api/v1/dlq/orders", null).status());
            assertEquals(0, AdminApiTest.call(port, "GET", "/api/v1/dlq/orders", null).body().size());
            assertEquals(0, client.fetchDlq("orders", 10).size());
        }
    }
}
