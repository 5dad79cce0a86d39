/**
 * Metrics, tracing and health endpoints, served by Helidon SE. Knows nothing of the broker: it reads broker state
 * through {@link flymq.telemetry.StateSource} and is told about events through {@link flymq.telemetry.FlyMqMetrics}.
 */
module flymq.telemetry {
    requires java.management;
    requires io.helidon.webserver;
    requires io.helidon.metrics.api;
    requires io.helidon.health;
    requires io.helidon.common.media.type;
    requires io.helidon.http;
    requires io.helidon.common.tls;
    requires io.helidon.tracing;
    requires io.helidon.tracing.providers.opentelemetry;
    requires io.opentelemetry.api;
    requires io.opentelemetry.context;
    requires io.opentelemetry.common;
    requires io.opentelemetry.sdk;
    requires io.opentelemetry.sdk.common;
    requires io.opentelemetry.sdk.trace;
    requires io.opentelemetry.exporter.otlp;

    // Automatic modules Helidon's Micrometer provider loads at run time but nothing declares: named here so that
    // `java --module-path ... -m flymq.broker/...` resolves them (a linked image gets them from generated descriptors).
    requires micrometer.commons;
    requires micrometer.observation;
    requires micrometer.registry.prometheus.simpleclient;
    requires simpleclient;
    requires simpleclient.common;

    uses io.helidon.metrics.spi.MeterRegistryFormatterProvider;
    // OTLP senders, looked up from here (see OtelTracing.SenderLoader) so a linked image finds them
    uses io.opentelemetry.sdk.common.export.GrpcSenderProvider;
    uses io.opentelemetry.sdk.common.export.HttpSenderProvider;

    exports flymq.telemetry;
}
