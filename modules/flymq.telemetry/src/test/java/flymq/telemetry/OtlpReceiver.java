package flymq.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.helidon.webserver.WebServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * An OTLP/HTTP collector for tests: accepts {@code POST /v1/traces} (protobuf), decodes each request with the
 * official opentelemetry-proto classes and keeps the spans with their resource.
 */
final class OtlpReceiver implements AutoCloseable {

    record Received(Resource resource, Span span) {
        String attr(String key) {
            return attribute(span.getAttributesList(), key);
        }
    }

    final List<Received> spans = new CopyOnWriteArrayList<>();
    private final WebServer server;

    OtlpReceiver() {
        server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(r -> r.post("/v1/traces", (req, res) -> {
                    byte[] body = req.content().as(byte[].class);
                    ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(body);
                    for (ResourceSpans rs : export.getResourceSpansList()) {
                        for (ScopeSpans ss : rs.getScopeSpansList()) {
                            for (Span s : ss.getSpansList()) {
                                spans.add(new Received(rs.getResource(), s));
                            }
                        }
                    }
                    res.header("Content-Type", "application/x-protobuf");
                    res.send(ExportTraceServiceResponse.getDefaultInstance().toByteArray());
                }))
                .build()
                .start();
    }

    String endpoint() {
        return "127.0.0.1:" + server.port();
    }

    List<Received> named(String name) {
        List<Received> out = new ArrayList<>();
        for (Received r : spans) {
            if (r.span().getName().equals(name)) {
                out.add(r);
            }
        }
        return out;
    }

    static String attribute(List<KeyValue> attrs, String key) {
        for (KeyValue kv : attrs) {
            if (kv.getKey().equals(key)) {
                AnyValue v = kv.getValue();
                return switch (v.getValueCase()) {
                    case STRING_VALUE -> v.getStringValue();
                    case INT_VALUE -> Long.toString(v.getIntValue());
                    case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
                    case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
                    default -> v.toString();
                };
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.stop();
    }
}
