package flymq.broker.observe;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerTelemetryTest {

    @TempDir
    Path dataDir;

    static BrokerConfig config(Path dataDir) {
        return BrokerConfig.load(null, Map.of(), Map.of(
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0"));
    }

    static String get(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection();
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return status + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A view of one topic with two partitions and one group (scoped per topic, as the broker scopes them). */
    record FixedView(Path dataDir) implements BrokerView {
        public String nodeId() {
            return "node-7";
        }

        public boolean ready() {
            return true;
        }

        public int activeConnections() {
            return 2;
        }

        public long totalConnections() {
            return 5;
        }

        public List<TopicInfo> topics() {
            return List.of(new TopicInfo("orders", 1, List.of(
                    new PartitionInfo(0, 0, 100, 4096, 1),
                    new PartitionInfo(1, 20, 20, 0, 1))));
        }

        public List<GroupInfo> groups() {
            return List.of(new GroupInfo("billing", "orders", List.of("m1", "m2"), 3, List.of(
                    new GroupPartitionInfo(0, 90, 100, 10))));
        }
    }

    @Test
    void viewIsServedInTheGuidesTerms() throws Exception {
        try (BrokerTelemetry t = BrokerTelemetry.start(config(dataDir).observability(), dataDir)) {
            t.attach(new FixedView(dataDir));
            String body = get(t.metricsPort(), "/metrics");
            assertTrue(body.startsWith("200 "), body);
            // endOffset is the next offset: newest = 99, messages = 100; an empty partition has newest = start - 1
            assertTrue(body.contains("flymq_topic_newest_offset{partition=\"0\",topic=\"orders\",} 99.0"), body);
            assertTrue(body.contains("flymq_topic_messages_total{partition=\"0\",topic=\"orders\",} 100.0"), body);
            assertTrue(body.contains("flymq_topic_messages_total{partition=\"1\",topic=\"orders\",} 0.0"), body);
            assertTrue(body.contains("flymq_consumer_group_members{group=\"billing\",} 2.0"), body);
            assertTrue(body.contains("flymq_consumer_group_lag{group=\"billing\",partition=\"0\",topic=\"orders\",} 10.0"),
                    body);
            assertTrue(body.contains("flymq_cluster_leader{node_id=\"node-7\",} 1.0"), body);
            assertTrue(body.contains("flymq_server_connections_active 2.0"), body);
        }
    }

    @Test
    void listenersFeedTheCounters() throws Exception {
        try (BrokerTelemetry t = BrokerTelemetry.start(config(dataDir).observability(), dataDir)) {
            t.attach(new FixedView(dataDir));
            t.listener().produced("orders", 0, 3, 300, 50_000);
            t.listener().memberJoined("billing", "orders");
            t.storageListener().bytesWritten("orders", 0, 320);
            t.storageListener().fsyncCompleted(200_000);
            String body = get(t.metricsPort(), "/metrics");
            assertTrue(body.contains("flymq_messages_produced_total{topic=\"orders\",} 3.0"), body);
            assertTrue(body.contains("flymq_consumer_group_rebalances_total{group=\"billing\",} 1.0"), body);
            assertTrue(body.contains("flymq_storage_bytes_written_total{partition=\"0\",topic=\"orders\",} 320.0"), body);
            assertTrue(body.contains("flymq_storage_sync_latency_seconds_count 1.0"), body);
        }
    }

    @Test
    void notReadyUntilTheNodeIsAttached() throws Exception {
        try (BrokerTelemetry t = BrokerTelemetry.start(config(dataDir).observability(), dataDir)) {
            assertTrue(get(t.healthPort(), "/ready").startsWith("503 "));
            assertTrue(get(t.healthPort(), "/live").startsWith("200 "));
            t.attach(new FixedView(dataDir));
            assertTrue(get(t.healthPort(), "/ready").startsWith("200 "));
            String health = get(t.healthPort(), "/health");
            assertTrue(health.contains("\"leader\":\"node-7\""), health);
            t.shuttingDown();
            assertEquals("503", get(t.healthPort(), "/ready").substring(0, 3));
        }
    }
}
