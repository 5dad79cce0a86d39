package flymq.broker.observe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.Header;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.client.SubscribeMode;
import flymq.protocol.Acks;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static flymq.broker.observe.OtlpCollector.attr;
import static flymq.broker.observe.OtlpCollector.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spans a real broker exports over OTLP (http/protobuf) to a collector inside the test, decoded with the official
 * protobuf classes: names, attributes, parents and links as the requests produce them. Spans are flushed when the
 * node closes, so each test closes its node before looking.
 */
class BrokerTracingTest {
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CLIENT_SPAN = "00f067aa0ba902b7";
    static final String SAMPLED = "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01";

    @TempDir
    Path dataDir;
    OtlpCollector collector;

    @BeforeEach
    void startCollector() throws Exception {
        collector = new OtlpCollector();
    }

    @AfterEach
    void stopCollector() throws Exception {
        collector.close();
    }

    private BrokerNode start(double sampleRate) {
        return BrokerNode.start(BrokerConfig.load(null, Map.of(), Map.of(
                "bind_addr", "127.0.0.1:0",
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0",
                "observability.tracing.enabled", "true",
                "observability.tracing.endpoint", collector.endpoint(),
                "observability.tracing.protocol", "http/protobuf",
                "observability.tracing.sample_rate", Double.toString(sampleRate))));
    }

    private static ProducerRecord traced(String value, String traceparent) {
        return ProducerRecord.of("orders", value.getBytes(StandardCharsets.UTF_8)).withHeaders(
                List.of(new Header("traceparent", traceparent.getBytes(StandardCharsets.US_ASCII))));
    }

    private static Span only(List<Span> spans, String what) {
        assertEquals(1, spans.size(), what + ": " + spans);
        return spans.get(0);
    }

    @Test
    void traceparentOfABatchProducedRecordIsTheParentOfProduceWithAStorageAppendChild() throws Exception {
        try (BrokerNode node = start(1.0); FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            c.createTopic("orders", 1);
            c.batchProduce("orders", Acks.LEADER, List.of(new PartitionRecords(0, List.of(
                    traced("a", SAMPLED), traced("b", SAMPLED)))));
        }
        Span produce = only(collector.named("flymq.produce"), "produce spans");
        assertEquals(TRACE_ID, hex(produce.getTraceId()));
        assertEquals(CLIENT_SPAN, hex(produce.getParentSpanId()));
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, produce.getKind());
        assertEquals("orders", attr(produce, "flymq.topic"));
        assertEquals("0", attr(produce, "flymq.partition"));
        assertEquals("0", attr(produce, "flymq.offset"));
        assertEquals("2", attr(produce, "flymq.message_size"));
        assertEquals("flymq", attr(produce, "messaging.system"));
        assertEquals("orders", attr(produce, "messaging.destination.name"));
        assertEquals("send", attr(produce, "messaging.operation.type"));

        Span append = only(collector.named("flymq.storage.append"), "append spans");
        assertEquals(hex(produce.getSpanId()), hex(append.getParentSpanId()));
        assertEquals(TRACE_ID, hex(append.getTraceId()));
        assertEquals("0", attr(append, "flymq.offset"));
        assertTrue(collector.named("flymq.raft.append_entries").isEmpty(), "no Raft on a single node");
    }

    @Test
    void fetchConsumeAndBatchFetchLinkToTheProducingSpanAndReadThroughStorageReadChildren() throws Exception {
        try (BrokerNode node = start(1.0); FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            c.createTopic("orders", 1);
            c.batchProduce("orders", Acks.LEADER, List.of(new PartitionRecords(0, List.of(traced("a", SAMPLED)))));
            c.subscribe("orders", "billing", 0, SubscribeMode.EARLIEST);
            c.fetch("orders", 0, 0, 10);
            c.consume("orders", 0, 0);
            c.batchFetch("orders", List.of(new FetchPosition(0, 0)), 1 << 20);
        }
        List<Span> receives = new ArrayList<>(collector.named("flymq.fetch"));
        receives.addAll(collector.named("flymq.consume"));
        assertEquals(3, receives.size(), "FETCH, BATCH_FETCH and CONSUME: " + receives);
        Set<String> readParents = collector.named("flymq.storage.read").stream()
                .map(s -> hex(s.getParentSpanId())).collect(Collectors.toSet());
        for (Span s : receives) {
            assertEquals(1, s.getLinksCount(), s.getName() + " links");
            assertEquals(TRACE_ID, hex(s.getLinks(0).getTraceId()));
            assertEquals(CLIENT_SPAN, hex(s.getLinks(0).getSpanId()));
            assertFalse(TRACE_ID.equals(hex(s.getTraceId())), "linked, not parented");
            assertEquals("billing", attr(s, "flymq.group_id"));
            assertEquals("billing", attr(s, "messaging.consumer.group.name"));
            assertEquals("receive", attr(s, "messaging.operation.type"));
            assertEquals("orders", attr(s, "messaging.destination.name"));
            assertTrue(readParents.contains(hex(s.getSpanId())), s.getName() + " has a flymq.storage.read child");
        }
    }

    @Test
    void sampleRateZeroExportsOnlyRequestsWhoseRecordsCarryASampledParent() throws Exception {
        try (BrokerNode node = start(0.0); FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            c.createTopic("orders", 1);
            for (int i = 0; i < 20; i++) {
                c.produce("orders", 0, null, ("plain-" + i).getBytes(StandardCharsets.UTF_8));
            }
            c.batchProduce("orders", Acks.LEADER, List.of(new PartitionRecords(0, List.of(traced("a", SAMPLED)))));
            c.fetch("orders", 0, 0, 100);
        }
        assertEquals(Set.of("flymq.produce", "flymq.storage.append"),
                collector.spans.stream().map(Span::getName).collect(Collectors.toSet()), collector.spans.toString());
        assertEquals(TRACE_ID, hex(only(collector.named("flymq.produce"), "sampled produce").getTraceId()));
    }

    @Test
    void aFailedProduceEndsItsSpanWithErrorStatus() throws Exception {
        try (BrokerNode node = start(1.0); FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + node.boundPort())) {
            c.createTopic("orders", 1);
            var answer = c.batchProduce("orders", Acks.LEADER, List.of(new PartitionRecords(5,
                    List.of(traced("a", SAMPLED)))));
            assertFalse(answer.get(0).error().isEmpty(), "partition 5 does not exist");
        }
        Span produce = only(collector.named("flymq.produce"), "produce spans");
        assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR,
                produce.getStatus().getCode());
    }
}
