package flymq.telemetry;

import java.util.Locale;
import java.util.Objects;

/**
 * The {@code observability.tracing} block, with the guide's keys: {@code enabled}, {@code endpoint} (OTLP collector,
 * default {@code localhost:4317}), {@code sample_rate} (0..1, applied to traces that arrive without a sampled parent),
 * {@code service_name}, and {@code protocol} ({@code grpc} or {@code http/protobuf}).
 */
public record TracingConfig(boolean enabled, String endpoint, double sampleRate, String serviceName,
                            Protocol protocol) {

    public static final String DEFAULT_ENDPOINT = "localhost:4317";
    public static final String DEFAULT_SERVICE_NAME = "flymq";

    /** OTLP transport. */
    public enum Protocol {
        GRPC("grpc"), HTTP_PROTOBUF("http/protobuf");

        private final String key;

        Protocol(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** Parses {@code grpc} or {@code http/protobuf}; anything else names the key and the accepted values. */
        public static Protocol parse(String value) {
            String v = Objects.requireNonNull(value, "observability.tracing.protocol").trim().toLowerCase(Locale.ROOT);
            for (Protocol p : values()) {
                if (p.key.equals(v)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("observability.tracing.protocol: expected grpc or http/protobuf, found '"
                    + value + "'");
        }
    }

    public TracingConfig {
        Objects.requireNonNull(endpoint, "observability.tracing.endpoint");
        Objects.requireNonNull(serviceName, "observability.tracing.service_name");
        Objects.requireNonNull(protocol, "observability.tracing.protocol");
        if (!(sampleRate >= 0.0 && sampleRate <= 1.0)) {
            throw new IllegalArgumentException("observability.tracing.sample_rate: expected a number from 0 to 1, found "
                    + sampleRate);
        }
        if (endpoint.isBlank()) {
            throw new IllegalArgumentException("observability.tracing.endpoint: must not be empty");
        }
        if (serviceName.isBlank()) {
            throw new IllegalArgumentException("observability.tracing.service_name: must not be empty");
        }
    }

    /** Tracing off, every other key at the guide's default. */
    public static TracingConfig disabled() {
        return new TracingConfig(false, DEFAULT_ENDPOINT, 1.0, DEFAULT_SERVICE_NAME, Protocol.GRPC);
    }
}
