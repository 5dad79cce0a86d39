package flymq.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstream's {@code /api/v1/schemas} routes over the broker's registry, and what clients see of their changes. */
class SchemaAdminApiTest {
    @TempDir
    Path dataDir;

    @Test
    void registerListGetAndDeleteThroughTheApi() throws Exception {
        BrokerConfig config = BrokerConfig.load(null, Map.of(), Map.of("bind_addr", "127.0.0.1:0",
                "node_id", "admin-1", "data_dir", dataDir.toString(), "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0", "observability.admin.addr", "127.0.0.1:0"));
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            int port = node.adminPort().orElseThrow();

            AdminApiTest.Answer created = AdminApiTest.call(port, "POST", "/api/v1/schemas",
                    "{\"name\":\"orders-value\",\"schema\":\"{\\\"type\\\":\\\"object\\\"}\"}");
            assertEquals(201, created.status(), String.valueOf(created.body()));
            assertEquals(1, created.body().get("version").asInt());
            assertEquals("json", created.body().get("type").asText());
            assertEquals(1, client.getSchema("orders-value", 0).version(), "the client sees the registration");

            AdminApiTest.Answer breaking = AdminApiTest.call(port, "POST", "/api/v1/schemas",
                    "{\"name\":\"orders-value\",\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}");
            assertEquals(400, breaking.status());
            assertTrue(breaking.body().toString().contains("is not BACKWARD compatible with version 1"),
                    breaking.body().toString());

            client.registerSchema("users-value", "avro", "\"long\"".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            JsonNode list = AdminApiTest.call(port, "GET", "/api/v1/schemas", null).body();
            assertEquals(2, list.size(), list.toString());
            JsonNode users = AdminApiTest.call(port, "GET", "/api/v1/schemas/users-value", null).body();
            assertEquals("avro", users.get("type").asText());
            assertEquals("\"long\"", users.get("schema").asText());
            assertEquals("BACKWARD", users.get("compatibility").asText());

            assertEquals(204, AdminApiTest.call(port, "DELETE", "/api/v1/schemas/users-value", null).status());
            assertEquals(404, AdminApiTest.call(port, "GET", "/api/v1/schemas/users-value", null).status());
            assertEquals(404, AdminApiTest.call(port, "DELETE", "/api/v1/schemas/users-value", null).status());
            assertEquals(400, AdminApiTest.call(port, "POST", "/api/v1/schemas", "{\"name\":\"x\"}").status());
        }
    }
}
