package flymq.telemetry.tracing;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import flymq.telemetry.FlyMqTracing;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import flymq.telemetry.TracingConfig;
import io.helidon.tracing.HeaderProvider;
import io.helidon.tracing.Span;
import io.helidon.tracing.SpanContext;
import io.helidon.tracing.Tracer;
import io.helidon.tracing.providers.opentelemetry.HelidonOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * Tracing on: an OpenTelemetry SDK (parent-based ratio sampler, batch processor, OTLP exporter over gRPC or
 * http/protobuf) wrapped as a Helidon {@link Tracer}; spans are built through Helidon's API, and links (which that
 * API lacks) through the unwrapped OpenTelemetry span builder.
 */
public final class OtelTracing extends FlyMqTracing {

    static final String CONTEXT_STORAGE_PROPERTY = "io.opentelemetry.context.contextStorageProvider";
    private static final String JDK_HTTP_SENDER = "io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider";

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final W3CTraceContextPropagator w3c = W3CTraceContextPropagator.getInstance();

    private OtelTracing(SdkTracerProvider provider, Tracer tracer) {
        this.provider = provider;
        this.tracer = tracer;
    }

    /** Builds the SDK for {@code config}; nothing is sent until a sampled span ends. */
    public static OtelTracing create(TracingConfig config) {
        // In a linked image OpenTelemetry's own ServiceLoader look-ups of a context storage fail; its default
        // thread-local storage needs none.
        if (System.getProperty(CONTEXT_STORAGE_PROPERTY) == null) {
            System.setProperty(CONTEXT_STORAGE_PROPERTY, "default");
        }
        return create(config, exporter(config));
    }

    /** For tests and benchmarks that bring their own exporter. */
    public static OtelTracing create(TracingConfig config, SpanExporter exporter) {
        Resource resource = Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName())));
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRate())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        Tracer tracer = HelidonOpenTelemetry.create(sdk, sdk.getTracer("flymq"), Map.of());
        return new OtelTracing(provider, tracer);
    }

    static SpanExporter exporter(TracingConfig config) {
        ComponentLoader senders = new SenderLoader();
        return switch (config.protocol()) {
            case GRPC -> OtlpGrpcSpanExporter.builder()
                    .setEndpoint(url(config.endpoint(), ""))
                    .setComponentLoader(senders)
                    .build();
            case HTTP_PROTOBUF -> OtlpHttpSpanExporter.builder()
                    .setEndpoint(url(config.endpoint(), "/v1/traces"))
                    .setComponentLoader(senders)
                    .build();
        };
    }

    /** {@code localhost:4317} becomes {@code http://localhost:4317}; http/protobuf gets {@code /v1/traces}. */
    static String url(String endpoint, String defaultPath) {
        String withScheme = endpoint.contains("://") ? endpoint : "http://" + endpoint;
        URI uri = URI.create(withScheme);
        if (uri.getHost() == null || uri.getPort() == 0) {
            throw new IllegalArgumentException("observability.tracing.endpoint: expected host:port or a URL, found '"
                    + endpoint + "'");
        }
        String path = uri.getPath();
        return (path == null || path.isEmpty() || path.equals("/")) ? withScheme.replaceAll("/$", "") + defaultPath
                : withScheme;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public TraceSpan start(TraceOp op, String topic, int partition, String traceparent) {
        return start(op, topic, partition, traceparent == null ? Map.of() : Map.of("traceparent", traceparent));
    }

    @Override
    public TraceSpan start(TraceOp op, String topic, int partition, Map<String, String> headers) {
        Optional<SpanContext> parent = headers.isEmpty() ? Optional.empty() : tracer.extract(new MapHeaders(headers));
        return begin(op, topic, partition, parent);
    }

    @Override
    public void completed(TraceOp op, String topic, int partition, String group, long bytes, long latencyNanos,
                          String traceparent) {
        Optional<SpanContext> parent = traceparent == null ? Optional.empty()
                : tracer.extract(new MapHeaders(Map.of("traceparent", traceparent)));
        java.time.Instant end = java.time.Instant.now();
        Live span = begin(op, topic, partition, parent, end.minusNanos(Math.max(0, latencyNanos)));
        span.messageSize(bytes).group(group);
        span.span.end(end);
    }

    private TraceSpan begin(TraceOp op, String topic, int partition, Optional<SpanContext> parent) {
        return begin(op, topic, partition, parent, null);
    }

    private Live begin(TraceOp op, String topic, int partition, Optional<SpanContext> parent,
                       java.time.Instant startedAt) {
        Span.Builder<?> b = tracer.spanBuilder(op.spanName())
                .kind(op.remoteEntry() ? Span.Kind.SERVER : Span.Kind.INTERNAL)
                .tag("messaging.system", "flymq");
        parent.ifPresent(b::parent);
        if (topic != null) {
            b.tag("flymq.topic", topic).tag("messaging.destination.name", topic);
        }
        if (partition >= 0) {
            b.tag("flymq.partition", partition).tag("messaging.destination.partition.id", Integer.toString(partition));
        }
        if (!op.operationType().isEmpty()) {
            b.tag("messaging.operation.type", op.operationType()).tag("messaging.operation.name", op.name()
                    .toLowerCase(java.util.Locale.ROOT));
        }
        return new Live(startedAt == null ? b.start() : b.start(startedAt));
    }

    io.opentelemetry.api.trace.SpanContext remoteContext(String traceparent) {
        Context ctx = w3c.extract(Context.root(), Map.of("traceparent", traceparent), MAP_GETTER);
        return io.opentelemetry.api.trace.Span.fromContext(ctx).getSpanContext();
    }

    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    private final class Live implements TraceSpan {
        private final Span span;

        Live(Span span) {
            this.span = span;
        }

        @Override
        public TraceSpan offset(long offset) {
            span.tag("flymq.offset", offset);
            return this;
        }

        @Override
        public TraceSpan messageSize(long bytes) {
            span.tag("flymq.message_size", bytes);
            span.tag("messaging.message.body.size", bytes);
            return this;
        }

        @Override
        public TraceSpan group(String group) {
            if (group != null && !group.isEmpty()) {
                span.tag("flymq.group_id", group);
                span.tag("messaging.consumer.group.name", group);
            }
            return this;
        }

        @Override
        public TraceSpan linkTo(String traceparent) {
            if (traceparent == null) {
                return this;
            }
            io.opentelemetry.api.trace.SpanContext producer = remoteContext(traceparent);
            if (producer.isValid()) {
                // Helidon's Span has no links; OpenTelemetry's lets us add one after start.
                span.unwrap(io.opentelemetry.api.trace.Span.class).addLink(producer);
            }
            return this;
        }

        @Override
        public TraceSpan child(TraceOp op, String topic, int partition) {
            return begin(op, topic, partition, Optional.of(span.context()));
        }

        @Override
        public TraceSpan fail(Throwable error) {
            span.status(Span.Status.ERROR);
            span.addEvent("exception", Map.of("exception.type", error.getClass().getName(),
                    "exception.message", String.valueOf(error.getMessage())));
            return this;
        }

        @Override
        public void end() {
            span.end();
        }

        @Override
        public boolean recording() {
            return span.unwrap(io.opentelemetry.api.trace.Span.class).isRecording();
        }
    }

    private record MapHeaders(Map<String, String> headers) implements HeaderProvider {
        @Override
        public Iterable<String> keys() {
            return headers.keySet();
        }

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(headers.get(key));
        }

        @Override
        public Iterable<String> getAll(String key) {
            String v = headers.get(key);
            return v == null ? List.of() : List.of(v);
        }

        @Override
        public boolean contains(String key) {
            return headers.containsKey(key);
        }
    }

    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    /**
     * Finds OTLP senders through this module (which declares {@code uses} for them), because the exporter's own
     * look-up fails in a linked image where its descriptor lacks {@code uses}. Two jars offer an HTTP sender
     * (the JDK's and OkHttp's); the JDK one is chosen so http/protobuf needs no OkHttp, which serves gRPC only.
     */
    static final class SenderLoader implements ComponentLoader {
        @Override
        @SuppressWarnings("unchecked")
        public <T> Iterable<T> load(Class<T> spi) {
            if (spi == HttpSenderProvider.class) {
                List<HttpSenderProvider> all = ServiceLoader.load(HttpSenderProvider.class, OtelTracing.class.getClassLoader())
                        .stream().map(ServiceLoader.Provider::get).toList();
                List<HttpSenderProvider> jdk = all.stream()
                        .filter(p -> p.getClass().getName().equals(JDK_HTTP_SENDER)).toList();
                return (Iterable<T>) (jdk.isEmpty() ? all : jdk);
            }
            if (spi == GrpcSenderProvider.class) {
                return (Iterable<T>) ServiceLoader.load(GrpcSenderProvider.class, OtelTracing.class.getClassLoader())
                        .stream().map(ServiceLoader.Provider::get).toList();
            }
            try {
                return ServiceLoader.load(spi, OtelTracing.class.getClassLoader()).stream()
                        .map(ServiceLoader.Provider::get).toList();
            } catch (java.util.ServiceConfigurationError notDeclared) {
                // a service this module does not declare `uses` for: the exporter treats "none" as its default
                return List.of();
            }
        }
    }
}
