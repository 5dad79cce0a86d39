package flymq.telemetry;

import java.util.Objects;

/**
 * Where telemetry listens and how it traces: the {@code observability} block of the broker configuration.
 *
 * @param metricsEnabled false: no Prometheus endpoint is bound and {@link Telemetry#metrics()} is a registry nobody
 *                       reads (the broker then skips its meter updates)
 * @param metricsAddr {@code host:port} or {@code :port} of the Prometheus endpoint (default {@code :9094})
 * @param healthAddr  {@code host:port} or {@code :port} of the health endpoints (default {@code :9095})
 * @param tracing     OpenTelemetry export settings
 * @param version     the version reported by {@code /health}
 * @param metricsTls  HTTPS for the metrics listener, or null for plain HTTP
 * @param healthTls   HTTPS for the health listener, or null for plain HTTP
 */
public record TelemetryConfig(boolean metricsEnabled, String metricsAddr, String healthAddr, TracingConfig tracing,
                              String version, HttpTls metricsTls, HttpTls healthTls) {

    /** Plain HTTP on both listeners. */
    public TelemetryConfig(boolean metricsEnabled, String metricsAddr, String healthAddr, TracingConfig tracing,
                           String version) {
        this(metricsEnabled, metricsAddr, healthAddr, tracing, version, null, null);
    }

    public static final String DEFAULT_METRICS_ADDR = ":9094";
    public static final String DEFAULT_HEALTH_ADDR = ":9095";

    /** Metrics on. */
    public TelemetryConfig(String metricsAddr, String healthAddr, TracingConfig tracing, String version) {
        this(true, metricsAddr, healthAddr, tracing, version);
    }

    public TelemetryConfig {
        Objects.requireNonNull(metricsAddr, "observability.metrics.addr");
        Objects.requireNonNull(healthAddr, "observability.health.addr");
        Objects.requireNonNull(tracing, "observability.tracing");
        Objects.requireNonNull(version, "version");
        ListenAddress.parse("observability.metrics.addr", metricsAddr);
        ListenAddress.parse("observability.health.addr", healthAddr);
    }

    /** The defaults of the observability guide: metrics on :9094, health on :9095, tracing off. */
    public static TelemetryConfig defaults(String version) {
        return new TelemetryConfig(DEFAULT_METRICS_ADDR, DEFAULT_HEALTH_ADDR, TracingConfig.disabled(), version);
    }
}
