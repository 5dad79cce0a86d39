package flymq.broker.observe;

import static flymq.broker.TestPorts.freePort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import flymq.client.Header;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import flymq.raft.RaftGroup;
import flymq.raft.RaftMember;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static flymq.broker.observe.BrokerTelemetryTest.get;
import static flymq.broker.observe.OtlpCollector.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three in-process nodes started the way {@code flymq server start} starts them (telemetry on, tracing to a
 * collector inside the test): cluster metrics and {@code /health} come from the metadata Raft group, and a produce
 * replicated through its partition's Raft group has a {@code flymq.raft.append_entries} child.
 */
class ClusterTelemetryTest {
    static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    static final String CLIENT_SPAN = "b7ad6b7169203331";

    @TempDir
    static Path dir;
    static OtlpCollector collector;
    static final List<BrokerNode> nodes = new ArrayList<>();


    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Flags of node {@code i} (1-based) of a 3-node cluster on {@code clusterPorts}. */
    static Map<String, String> flags(Path dir, int i, int[] clusterPorts, String collectorEndpoint) {
        String peers = "n1@127.0.0.1:" + clusterPorts[0] + ",n2@127.0.0.1:" + clusterPorts[1] + ",n3@127.0.0.1:"
                + clusterPorts[2];
        Map<String, String> f = new HashMap<>(Map.of("node_id", "n" + i, "bind_addr", "127.0.0.1:0",
                "cluster_addr", "127.0.0.1:" + clusterPorts[i - 1], "peers", peers,
                "data_dir", dir.resolve("n" + i).toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0"));
        if (collectorEndpoint != null) {
            f.putAll(Map.of("observability.tracing.enabled", "true",
                    "observability.tracing.endpoint", collectorEndpoint,
                    "observability.tracing.protocol", "http/protobuf",
                    "observability.tracing.sample_rate", "1.0"));
        }
        return f;
    }

    @BeforeAll
    static void startCluster() throws Exception {
        collector = new OtlpCollector();
        int[] ports = {freePort(), freePort(), freePort()};
        for (int i = 1; i <= 3; i++) {
            nodes.add(BrokerNode.start(BrokerConfig.load(null, Map.of(), flags(dir, i, ports, collector.endpoint()))));
        }
        await("every node knows the same metadata leader", () -> nodes.stream()
                .map(n -> n.metadataGroup().orElseThrow().leader().map(RaftMember::id).orElse(""))
                .distinct().filter(id -> !id.isEmpty()).count() == 1
                && nodes.stream().allMatch(n -> n.metadataGroup().orElseThrow().leader().isPresent()));
        // a follower forwards CREATE_TOPIC to the leader's client address, registered only after the election
        await("every node knows every client address", () -> nodes.stream().allMatch(n -> {
            try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + n.boundPort())) {
                return c.clusterStatus().nodes().stream().filter(s -> !s.clientAddress().isEmpty()).count() == 3;
            } catch (RuntimeException e) {
                return false;
            }
        }));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        nodes.forEach(BrokerNode::close);
        collector.close();
    }

    static String leaderId() {
        return nodes.get(0).metadataGroup().orElseThrow().leader().orElseThrow().id();
    }

    static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), series + " in\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void everyNodeReportsTheMetadataGroupInItsClusterMetrics() throws Exception {
        String leader = leaderId();
        for (BrokerNode n : nodes) {
            RaftGroup<Boolean> g = n.metadataGroup().orElseThrow();
            String id = n.config().nodeId();
            String m = get(n.metricsPort().orElseThrow(), "/metrics");
            assertEquals(3.0, sample(m, "flymq_cluster_nodes"), id);
            assertEquals(id.equals(leader) ? 1.0 : 0.0, sample(m, "flymq_cluster_leader{node_id=\"" + id + "\",}"), id);
            double term = sample(m, "flymq_raft_term");
            assertTrue(term >= 1 && term <= g.term(), id + " term " + term + " vs group " + g.term());
            // every node's client address is registered through the group: committed entries exist
            assertTrue(sample(m, "flymq_raft_commit_index") >= 1, id + " commit index");
            double elections = sample(m, "flymq_raft_elections_total");
            assertTrue(elections >= 1 && elections <= g.term(), id + " elections " + elections + ", term " + g.term());
        }
    }

    @Test
    void healthNamesTheMetadataLeaderOnEveryNodeAndEachIsReady() throws Exception {
        String leader = leaderId();
        for (BrokerNode n : nodes) {
            String h = get(n.healthPort().orElseThrow(), "/health");
            assertTrue(h.startsWith("200 "), h);
            assertTrue(h.contains("\"cluster\":{\"status\":\"healthy\",\"leader\":\"" + leader + "\"}"), h);
            assertTrue(get(n.healthPort().orElseThrow(), "/ready").startsWith("200 "));
        }
    }

    @Test
    void producedBatchIsReplicatedUnderARaftAppendEntriesChildOfProduce() throws Exception {
        String traceparent = "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01";
        ProducerRecord r = ProducerRecord.of("traced", "v".getBytes(StandardCharsets.UTF_8)).withHeaders(
                List.of(new Header("traceparent", traceparent.getBytes(StandardCharsets.US_ASCII))));
        try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + nodes.get(0).boundPort())) {
            c.createTopic("traced", 1);
            await("a leader of traced-0", () -> {
                try {
                    return !c.clusterMetadata("traced").topics().get(0).partitions().get(0).leaderId().isEmpty();
                } catch (RuntimeException notAppliedHereYet) {
                    return false;
                }
            });
        }
        await("the batch appended through the partition leader", () -> {
            try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + partitionLeader("traced").boundPort())) {
                return c.batchProduce("traced", Acks.ALL, List.of(new PartitionRecords(0, List.of(r))))
                        .get(0).ok();
            } catch (RuntimeException electionStillSettling) {
                return false;
            }
        });
        await("the produce span and its Raft child exported", () -> collector.named("flymq.produce").stream()
                .anyMatch(s -> hex(s.getParentSpanId()).equals(CLIENT_SPAN) && raftChildOf(s) != null));
        Span produce = collector.named("flymq.produce").stream()
                .filter(s -> hex(s.getParentSpanId()).equals(CLIENT_SPAN) && raftChildOf(s) != null)
                .findFirst().orElseThrow();
        assertEquals(TRACE_ID, hex(produce.getTraceId()));
        Span raft = raftChildOf(produce);
        assertEquals("traced", OtlpCollector.attr(raft, "flymq.topic"));
        assertEquals(TRACE_ID, hex(raft.getTraceId()));
    }

    static Span raftChildOf(Span produce) {
        return collector.named("flymq.raft.append_entries").stream()
                .filter(s -> hex(s.getParentSpanId()).equals(hex(produce.getSpanId()))).findFirst().orElse(null);
    }

    static BrokerNode partitionLeader(String topic) {
        try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + nodes.get(0).boundPort())) {
            String id = c.clusterMetadata(topic).topics().get(0).partitions().get(0).leaderId();
            return nodes.stream().filter(n -> n.config().nodeId().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no leader of " + topic + "-0 yet"));
        }
    }
}
