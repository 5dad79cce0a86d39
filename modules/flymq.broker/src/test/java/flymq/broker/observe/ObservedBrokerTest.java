package flymq.broker.observe;

import static flymq.broker.TestPorts.freePort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.SubscribeMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static flymq.broker.observe.BrokerTelemetryTest.get;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A broker started the normal way serves the guide's metrics and health for real traffic. */
class ObservedBrokerTest {

    @TempDir
    Path dataDir;


    @Test
    void produceConsumeCommitAndDeleteShowInMetricsAndHealth() throws Exception {
        int metricsPort = freePort();
        int healthPort = freePort();
        BrokerConfig config = BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "node_id", "node-e2e",
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:" + metricsPort,
                "observability.health.addr", "127.0.0.1:" + healthPort));
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            client.createTopic("orders", 2);
            for (int i = 0; i < 10; i++) {
                client.produce("orders", 0, null, ("order-" + i).getBytes(StandardCharsets.UTF_8));
            }
            client.subscribe("orders", "billing", 0, SubscribeMode.EARLIEST);
            client.fetch("orders", 0, 0, 100);
            client.commit("orders", "billing", 0, 6);

            String m = get(metricsPort, "/metrics");
            assertTrue(m.startsWith("200 "), m);
            assertTrue(m.contains("flymq_messages_produced_total{topic=\"orders\",} 10.0"), m);
            assertTrue(m.contains("flymq_topic_partitions{topic=\"orders\",} 2.0"), m);
            assertTrue(m.contains("flymq_topic_newest_offset{partition=\"0\",topic=\"orders\",} 9.0"), m);
            assertTrue(m.contains("flymq_consumer_group_lag{group=\"billing\",partition=\"0\",topic=\"orders\",} 4.0"),
                    m);
            assertTrue(m.contains("flymq_consumer_group_commits_total{group=\"billing\",topic=\"orders\",} 1.0"), m);
            assertTrue(m.contains("flymq_storage_bytes_written_total{partition=\"0\",topic=\"orders\",}"), m);
            assertTrue(m.contains("flymq_cluster_leader{node_id=\"node-e2e\",} 1.0"), m);
            assertTrue(m.contains("flymq_server_connections_total 1.0"), m);
            assertTrue(m.contains("flymq_produce_latency_seconds_count{topic=\"orders\",} 10.0"), m);

            String health = get(healthPort, "/health");
            assertTrue(health.startsWith("200 {\"status\":\"healthy\""), health);
            assertTrue(health.contains("\"leader\":\"node-e2e\""), health);
            assertTrue(get(healthPort, "/ready").startsWith("200 "));
            assertTrue(get(healthPort, "/live").startsWith("200 "));

            client.deleteTopic("orders");
            String after = get(metricsPort, "/metrics");
            assertFalse(after.contains("topic=\"orders\""), after);
        }
    }

    @Test
    void deadLetterQueueDepthAndCountsShowInMetrics() throws Exception {
        BrokerConfig config = BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0",
                "dlq.enabled", "true",
                "dlq.max_retries", "0"));
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            int metricsPort = node.metricsPort().orElseThrow();
            assertFalse(get(metricsPort, "/metrics").contains("flymq_dlq_"), "no queue, no series");
            for (int i = 0; i < 3; i++) {
                client.produce("orders", ("order-" + i).getBytes(StandardCharsets.UTF_8));
                client.nack("billing", "orders", 0, i, "failed");
            }
            client.replayDlq("orders", "0");
            String m = get(metricsPort, "/metrics");
            assertTrue(m.contains("flymq_dlq_depth{topic=\"orders\",} 2.0"), m);
            assertTrue(m.contains("flymq_dlq_dead_lettered_total{reason=\"max_retries\",topic=\"orders\",} 3.0"), m);
            assertTrue(m.contains("flymq_dlq_replayed_total{topic=\"orders\",} 1.0"), m);

            client.purgeDlq("orders");
            assertFalse(get(metricsPort, "/metrics").contains("flymq_dlq_depth"), "the depth goes with the queue");
        }
    }

    @Test
    void consumedMetricsCarryTheGroupTheConnectionSubscribedAndEmptyWithoutOne() throws Exception {
        BrokerConfig config = BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0"));
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient member = FlyMqClient.connect("127.0.0.1:" + node.boundPort());
             FlyMqClient loner = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            member.createTopic("orders", 1);
            for (int i = 0; i < 3; i++) {
                member.produce("orders", 0, null, ("o-" + i).getBytes(StandardCharsets.UTF_8));
            }
            member.subscribe("orders", "billing", 0, SubscribeMode.EARLIEST);
            member.fetch("orders", 0, 0, 100);                                          // 3 records
            member.consume("orders", 0, 0);                                             // 1
            member.batchFetch("orders", List.of(new FetchPosition(0, 1)), 1 << 20); // 2
            loner.fetch("orders", 0, 0, 100);                                           // 3, no group

            String m = get(node.metricsPort().orElseThrow(), "/metrics");
            assertTrue(m.contains("flymq_messages_consumed_total{group=\"billing\",topic=\"orders\",} 6.0"), m);
            assertTrue(m.contains("flymq_messages_consumed_total{group=\"\",topic=\"orders\",} 3.0"), m);
            assertTrue(m.contains("flymq_consume_latency_seconds_count{group=\"billing\",topic=\"orders\",} 3.0"), m);
        }
    }

    @Test
    void metricsDisabledServesHealthButNoMetricsPort() throws Exception {
        BrokerConfig config = BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "data_dir", dataDir.toString(),
                "observability.metrics.enabled", "false",
                "observability.health.addr", "127.0.0.1:0"));
        try (BrokerNode node = BrokerNode.start(config);
             FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            c.produce("orders", 0, null, "x".getBytes(StandardCharsets.UTF_8));
            assertTrue(node.metricsPort().isEmpty());
            assertTrue(get(node.healthPort().orElseThrow(), "/health").startsWith("200 "));
        }
    }
}
