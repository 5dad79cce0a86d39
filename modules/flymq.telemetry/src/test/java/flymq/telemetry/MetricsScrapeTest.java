package flymq.telemetry;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsScrapeTest {

    /** Every row of the observability guide's metric tables: name, Prometheus type, label names. */
    static final List<Object[]> SEED = List.of(
            row("flymq_server_uptime_seconds", "gauge"),
            row("flymq_server_connections_active", "gauge"),
            row("flymq_server_connections_total", "counter"),
            row("flymq_server_goroutines", "gauge"),
            row("flymq_server_memory_bytes", "gauge"),
            row("flymq_messages_produced_total", "counter", "topic"),
            row("flymq_messages_consumed_total", "counter", "topic", "group"),
            row("flymq_messages_bytes_produced_total", "counter", "topic"),
            row("flymq_messages_bytes_consumed_total", "counter", "topic", "group"),
            row("flymq_produce_latency_seconds", "histogram", "topic"),
            row("flymq_consume_latency_seconds", "histogram", "topic", "group"),
            row("flymq_topic_partitions", "gauge", "topic"),
            row("flymq_topic_messages_total", "gauge", "topic", "partition"),
            row("flymq_topic_bytes_total", "gauge", "topic", "partition"),
            row("flymq_topic_oldest_offset", "gauge", "topic", "partition"),
            row("flymq_topic_newest_offset", "gauge", "topic", "partition"),
            row("flymq_consumer_group_members", "gauge", "group"),
            row("flymq_consumer_group_lag", "gauge", "group", "topic", "partition"),
            row("flymq_consumer_group_rebalances_total", "counter", "group"),
            row("flymq_consumer_group_commits_total", "counter", "group", "topic"),
            row("flymq_cluster_nodes", "gauge"),
            row("flymq_cluster_leader", "gauge", "node_id"),
            row("flymq_raft_term", "gauge"),
            row("flymq_raft_commit_index", "gauge"),
            row("flymq_raft_elections_total", "counter"),
            row("flymq_storage_segments", "gauge", "topic", "partition"),
            row("flymq_storage_bytes_written_total", "counter", "topic", "partition"),
            row("flymq_storage_bytes_read_total", "counter", "topic", "partition"),
            row("flymq_storage_sync_latency_seconds", "histogram"));

    private static Object[] row(String name, String type, String... labels) {
        return new Object[] {name, type, Set.of(labels)};
    }

    @TempDir
    Path dataDir;
    MutableState state;
    Telemetry telemetry;

    @BeforeEach
    void start() {
        state = MutableState.withOrdersAndBilling(dataDir);
        telemetry = Telemetry.start(TestConfigs.ephemeral(), state);
        SyntheticLoad.apply(telemetry.metrics());
    }

    @AfterEach
    void stop() {
        telemetry.close();
    }

    private Exposition scrape() throws Exception {
        Http.Response r = Http.get(telemetry.metricsPort(), "/metrics");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.contentType().startsWith("text/plain"), r.contentType());
        return Exposition.parse(r.body());
    }

    @Test
    void everySeedMetricIsExposedWithItsTypeHelpAndExactLabels() throws Exception {
        Exposition e = scrape();
        for (Object[] row : SEED) {
            String name = (String) row[0];
            String type = (String) row[1];
            @SuppressWarnings("unchecked") Set<String> labels = (Set<String>) row[2];
            assertEquals(type, e.types.get(name), "# TYPE of " + name);
            assertFalse(e.help.getOrDefault(name, "").isBlank(), "# HELP of " + name);
            String sampleName = type.equals("histogram") ? name + "_count" : name;
            List<Exposition.Sample> samples = e.samples(sampleName);
            assertFalse(samples.isEmpty(), "no sample of " + sampleName);
            for (Exposition.Sample s : samples) {
                assertEquals(labels, s.labels().keySet(), "labels of " + s);
            }
        }
    }

    @Test
    void scrapeHoldsExactlyTheSeedFamiliesAndNoMicrometerMax() throws Exception {
        Exposition e = scrape();
        Set<String> seed = SEED.stream().map(r -> (String) r[0]).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(seed, new TreeSet<>(e.types.keySet()));
        assertTrue(e.samples.stream().noneMatch(s -> s.name().endsWith("_max")), "a _max sample is left");
    }

    @Test
    void aClusterNodeAddsItsRefusedClusterConnectionsAsACounter() throws Exception {
        assertFalse(scrape().types.containsKey("flymq_cluster_auth_failures_total"), "not on a single node");
        state.cluster = new StateSource.ClusterState(3, "node-1", "node-2", 4, 100, 2, 7);
        Exposition e = scrape();
        assertEquals("counter", e.types.get("flymq_cluster_auth_failures_total"));
        assertEquals(7.0, e.samples("flymq_cluster_auth_failures_total").get(0).value());
    }

    @Test
    void aClusterNodeAddsItsReassignmentsInProgressAsAGauge() throws Exception {
        assertFalse(scrape().types.containsKey("flymq_cluster_reassignments_in_progress"), "not on a single node");
        state.cluster = new StateSource.ClusterState(3, "node-1", "node-2", 4, 100, 2, 0, 2);
        Exposition e = scrape();
        assertEquals("gauge", e.types.get("flymq_cluster_reassignments_in_progress"));
        assertEquals(2.0, e.samples("flymq_cluster_reassignments_in_progress").get(0).value());
    }

    @Test
    void noLabelIsAddedByHelidon() throws Exception {
        Exposition e = scrape();
        Set<String> keys = e.samples.stream().flatMap(s -> s.labels().keySet().stream())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("topic", "group", "partition", "node_id", "le")), keys);
    }

    @Test
    void countersEndInTotalExactlyOnce() throws Exception {
        Exposition e = scrape();
        e.types.forEach((name, type) -> {
            assertFalse(name.contains("_total_total"), name);
            if (type.equals("counter")) {
                assertTrue(name.endsWith("_total"), name);
            }
        });
    }

    @Test
    void histogramsHaveBucketSumAndCountWithSubMillisecondBuckets() throws Exception {
        Exposition e = scrape();
        for (String h : List.of("flymq_produce_latency_seconds", "flymq_consume_latency_seconds",
                "flymq_storage_sync_latency_seconds")) {
            Set<String> bounds = e.samples(h + "_bucket").stream().map(s -> s.labels().get("le"))
                    .collect(Collectors.toSet());
            assertTrue(bounds.containsAll(Set.of("5.0E-5", "1.0E-4", "0.001", "10.0", "+Inf")), h + " " + bounds);
            assertFalse(e.samples(h + "_sum").isEmpty(), h + "_sum");
            assertFalse(e.samples(h + "_count").isEmpty(), h + "_count");
            assertTrue(e.samples(h).isEmpty(), h + " must not print client-side quantiles");
        }
    }

    @Test
    void hotPathCountersCountWhatTheBrokerReported() throws Exception {
        Exposition e = scrape();
        assertEquals(SyntheticLoad.PRODUCED, e.value("flymq_messages_produced_total", Map.of("topic", "orders")));
        assertEquals(SyntheticLoad.PRODUCED * SyntheticLoad.RECORD_BYTES,
                e.value("flymq_messages_bytes_produced_total", Map.of("topic", "orders")));
        assertEquals(SyntheticLoad.CONSUMED,
                e.value("flymq_messages_consumed_total", Map.of("topic", "orders", "group", "billing")));
        assertEquals(SyntheticLoad.PRODUCE_CALLS,
                e.value("flymq_produce_latency_seconds_count", Map.of("topic", "orders")));
        // synthetic produce latencies are 80 µs: all in the 100 µs bucket, none in the 50 µs one
        assertEquals(0, e.value("flymq_produce_latency_seconds_bucket", Map.of("topic", "orders", "le", "5.0E-5")));
        assertEquals(SyntheticLoad.PRODUCE_CALLS,
                e.value("flymq_produce_latency_seconds_bucket", Map.of("topic", "orders", "le", "1.0E-4")));
        assertEquals(1, e.value("flymq_server_connections_total", Map.of()));
    }

    @Test
    void stateGaugesAreReadAtScrapeTime() throws Exception {
        assertEquals(99, scrape().value("flymq_topic_newest_offset", Map.of("topic", "orders", "partition", "0")));
        state.topics.set(0, new StateSource.TopicState("orders", List.of(
                new StateSource.PartitionState(0, 0, 149, 150, 6000, 2),
                new StateSource.PartitionState(1, 10, 59, 50, 2048, 2))));
        state.connections = 7;
        Exposition e = scrape();
        assertEquals(149, e.value("flymq_topic_newest_offset", Map.of("topic", "orders", "partition", "0")));
        assertEquals(2, e.value("flymq_storage_segments", Map.of("topic", "orders", "partition", "0")));
        assertEquals(7, e.value("flymq_server_connections_active", Map.of()));
        assertEquals(10, e.value("flymq_consumer_group_lag", Map.of("group", "billing", "partition", "0")));
        assertEquals(1, e.value("flymq_cluster_leader", Map.of("node_id", "node-1")));
    }

    @Test
    void goroutinesIsTheLiveThreadCount() throws Exception {
        double threads = scrape().value("flymq_server_goroutines", Map.of());
        assertTrue(threads >= 2 && threads < 10_000, "threads " + threads);
    }

    @Test
    void deletedTopicDisappearsFromTheScrape() throws Exception {
        state.topics.clear();
        state.groups.clear();
        telemetry.metrics().topicDeleted("orders");
        String body = Http.get(telemetry.metricsPort(), "/metrics").body();
        assertFalse(body.contains("topic=\"orders\""), body);
    }

    @Test
    void deletedGroupDisappearsFromTheScrape() throws Exception {
        state.groups.clear();
        telemetry.metrics().groupDeleted("billing");
        String body = Http.get(telemetry.metricsPort(), "/metrics").body();
        assertFalse(body.contains("group=\"billing\""), body);
        assertTrue(body.contains("flymq_messages_produced_total{topic=\"orders\""), "the topic stays");
    }

    @Test
    void removedPartitionDisappearsWhileTheTopicStays() throws Exception {
        scrape();
        state.topics.set(0, new StateSource.TopicState("orders", List.of(
                new StateSource.PartitionState(0, 0, 99, 100, 4096, 1))));
        Exposition e = scrape();
        assertTrue(e.samples("flymq_topic_newest_offset").stream()
                .noneMatch(s -> "1".equals(s.labels().get("partition"))));
        assertEquals(1, e.value("flymq_topic_partitions", Map.of("topic", "orders")));
    }
}
