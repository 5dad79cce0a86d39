package flymq.telemetry;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TracingExportTest {

    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT_ID = "00f067aa0ba902b7";
    static final String SAMPLED_PARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";
    static final String UNSAMPLED_PARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-00";

    OtlpReceiver collector;

    @BeforeEach
    void startCollector() {
        collector = new OtlpReceiver();
    }

    @AfterEach
    void stopCollector() {
        collector.close();
    }

    private FlyMqTracing tracing(double sampleRate) {
        return FlyMqTracing.start(new TracingConfig(true, collector.endpoint(), sampleRate, "flymq-test",
                TracingConfig.Protocol.HTTP_PROTOBUF));
    }

    private static String hex(com.google.protobuf.ByteString id) {
        return HexFormat.of().formatHex(id.toByteArray());
    }

    @Test
    void produceSpanCarriesTheGuidesAttributesAndMessagingConventions() {
        try (FlyMqTracing t = tracing(1.0)) {
            t.start(TraceOp.PRODUCE, "orders", 2, (String) null).offset(41).messageSize(100).end();
        }
        OtlpReceiver.Received r = collector.named("flymq.produce").get(0);
        assertEquals("orders", r.attr("flymq.topic"));
        assertEquals("2", r.attr("flymq.partition"));
        assertEquals("41", r.attr("flymq.offset"));
        assertEquals("100", r.attr("flymq.message_size"));
        assertEquals("flymq", r.attr("messaging.system"));
        assertEquals("orders", r.attr("messaging.destination.name"));
        assertEquals("send", r.attr("messaging.operation.type"));
        assertEquals("flymq-test", OtlpReceiver.attribute(r.resource().getAttributesList(), "service.name"));
    }

    @Test
    void everyGuideOperationExportsItsSpanName() {
        try (FlyMqTracing t = tracing(1.0)) {
            for (TraceOp op : TraceOp.values()) {
                t.start(op, "orders", 0, (String) null).end();
            }
        }
        for (String name : List.of("flymq.produce", "flymq.consume", "flymq.fetch", "flymq.commit",
                "flymq.storage.append", "flymq.storage.read", "flymq.raft.append_entries")) {
            assertEquals(1, collector.named(name).size(), name + " in " + collector.spans);
        }
    }

    @Test
    void storageAppendIsAChildOfProduce() {
        try (FlyMqTracing t = tracing(1.0)) {
            TraceSpan produce = t.start(TraceOp.PRODUCE, "orders", 0, (String) null);
            produce.child(TraceOp.STORAGE_APPEND, "orders", 0).end();
            produce.end();
        }
        var produce = collector.named("flymq.produce").get(0).span();
        var append = collector.named("flymq.storage.append").get(0).span();
        assertEquals(hex(produce.getSpanId()), hex(append.getParentSpanId()));
        assertEquals(hex(produce.getTraceId()), hex(append.getTraceId()));
    }

    @Test
    void traceparentOfTheRecordBecomesTheParentOfProduce() {
        try (FlyMqTracing t = tracing(1.0)) {
            t.start(TraceOp.PRODUCE, "orders", 0, SAMPLED_PARENT).end();
        }
        var produce = collector.named("flymq.produce").get(0).span();
        assertEquals(TRACE_ID, hex(produce.getTraceId()));
        assertEquals(PARENT_ID, hex(produce.getParentSpanId()));
    }

    @Test
    void fetchAndConsumeLinkToTheProducingSpan() {
        try (FlyMqTracing t = tracing(1.0)) {
            t.start(TraceOp.FETCH, "orders", 0, (String) null).group("billing").linkTo(SAMPLED_PARENT).end();
            t.start(TraceOp.CONSUME, "orders", 0, (String) null).group("billing").linkTo(SAMPLED_PARENT).end();
        }
        for (String name : List.of("flymq.fetch", "flymq.consume")) {
            OtlpReceiver.Received r = collector.named(name).get(0);
            assertEquals("billing", r.attr("flymq.group_id"));
            assertEquals("receive", r.attr("messaging.operation.type"));
            assertEquals(1, r.span().getLinksCount(), name);
            assertEquals(TRACE_ID, hex(r.span().getLinks(0).getTraceId()));
            assertEquals(PARENT_ID, hex(r.span().getLinks(0).getSpanId()));
            assertFalse(TRACE_ID.equals(hex(r.span().getTraceId())), "a link, not a parent");
        }
    }

    @Test
    void sampleRateZeroDropsNewTracesButHonoursASampledParent() {
        try (FlyMqTracing t = tracing(0.0)) {
            for (int i = 0; i < 50; i++) {
                t.start(TraceOp.PRODUCE, "orders", 0, (String) null).end();
            }
            t.start(TraceOp.PRODUCE, "orders", 0, SAMPLED_PARENT).end();
        }
        assertEquals(1, collector.spans.size(), collector.spans.toString());
        assertEquals(TRACE_ID, hex(collector.spans.get(0).span().getTraceId()));
    }

    @Test
    void unsampledParentIsNotExportedEvenAtRateOne() {
        try (FlyMqTracing t = tracing(1.0)) {
            t.start(TraceOp.PRODUCE, "orders", 0, UNSAMPLED_PARENT).end();
            t.start(TraceOp.COMMIT, "orders", 0, (String) null).end();
        }
        assertEquals(List.of("flymq.commit"), collector.spans.stream().map(r -> r.span().getName()).toList());
    }

    @Test
    void sampleRateHalfKeepsRoughlyHalfOfNewTraces() {
        try (FlyMqTracing t = tracing(0.5)) {
            for (int i = 0; i < 400; i++) {
                t.start(TraceOp.PRODUCE, "orders", 0, (String) null).end();
            }
        }
        int kept = collector.spans.size();
        assertTrue(kept > 120 && kept < 280, "kept " + kept + " of 400 at rate 0.5");
    }

    @Test
    void malformedTraceparentStartsANewTrace() {
        try (FlyMqTracing t = tracing(1.0)) {
            t.start(TraceOp.PRODUCE, "orders", 0, "not-a-traceparent").linkTo("garbage").end();
        }
        var produce = collector.named("flymq.produce").get(0).span();
        assertTrue(produce.getParentSpanId().isEmpty());
        assertEquals(0, produce.getLinksCount());
    }

    @Test
    void completedOperationIsBackdatedByItsLatencyUnderItsParent() {
        try (FlyMqTracing t = tracing(1.0)) {
            t.completed(TraceOp.PRODUCE, "orders", 1, "", 512, 3_000_000, SAMPLED_PARENT);
            t.completed(TraceOp.CONSUME, "orders", 1, "billing", 256, 1_000_000, null);
        }
        var produce = collector.named("flymq.produce").get(0);
        assertEquals(3_000_000, produce.span().getEndTimeUnixNano() - produce.span().getStartTimeUnixNano());
        assertEquals(PARENT_ID, hex(produce.span().getParentSpanId()));
        assertEquals("512", produce.attr("flymq.message_size"));
        var consume = collector.named("flymq.consume").get(0);
        assertEquals("billing", consume.attr("flymq.group_id"));
    }

    @Test
    void tracingOffHandsOutTheSharedNoopSpan() {
        FlyMqTracing off = FlyMqTracing.start(TracingConfig.disabled());
        assertFalse(off.enabled());
        assertSame(TraceSpan.NOOP, off.start(TraceOp.PRODUCE, "orders", 0, SAMPLED_PARENT));
        assertSame(TraceSpan.NOOP, off.start(TraceOp.FETCH, "orders", 0, Map.of("traceparent", SAMPLED_PARENT)));
    }

    @Test
    void grpcProtocolFindsItsSender() {
        FlyMqTracing t = FlyMqTracing.start(new TracingConfig(true, "127.0.0.1:4317", 1.0, "flymq",
                TracingConfig.Protocol.GRPC));
        assertTrue(t.enabled());
        t.close();
    }

    @Test
    void badTracingConfigNamesTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> TracingConfig.Protocol.parse("thrift"));
        assertTrue(e.getMessage().contains("observability.tracing.protocol"), e.getMessage());
        var r = assertThrows(IllegalArgumentException.class,
                () -> new TracingConfig(true, "localhost:4317", 1.5, "flymq", TracingConfig.Protocol.GRPC));
        assertTrue(r.getMessage().contains("observability.tracing.sample_rate"), r.getMessage());
    }
}
