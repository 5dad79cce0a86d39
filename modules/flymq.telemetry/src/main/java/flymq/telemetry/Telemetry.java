package flymq.telemetry;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import flymq.telemetry.health.ClusterCheck;
import flymq.telemetry.health.HealthEndpoints;
import flymq.telemetry.health.ListenerWatch;
import flymq.telemetry.health.MemoryCheck;
import flymq.telemetry.health.StorageCheck;
import flymq.telemetry.metrics.MetricFamilies;
import flymq.telemetry.metrics.StateMeters;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;

/**
 * A node's telemetry, assembled in one place: the meter registry, the Prometheus endpoint on
 * {@code observability.metrics.addr} ({@code GET /metrics}) and the health endpoints on
 * {@code observability.health.addr}, both served by one Helidon WebServer with two listeners. With
 * {@code observability.metrics.enabled} false only the health listener is bound. Either listener may serve HTTPS
 * ({@link HttpTls}), and its certificate may be replaced while it runs ({@link #reloadTls}).
 *
 * <p>The broker calls {@link #metrics()} and {@link #tracing()} on its request path, passes a {@link StateSource} that is read at scrape
 * time, calls {@link #shuttingDown()} when a graceful stop begins (readiness turns 503) and {@link #close()} last.
 */
public final class Telemetry implements AutoCloseable {

    static final String HEALTH_SOCKET = "health";
    private static final String METRICS_KEY = "observability.metrics.addr";
    private static final String HEALTH_KEY = "observability.health.addr";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Duration STORAGE_PROBE_DEADLINE = Duration.ofSeconds(5);
    private static final AtomicBoolean PREPARED = new AtomicBoolean();

    private final MeterRegistry registry;
    private final FlyMqMetrics metrics;
    private final FlyMqTracing tracing;
    private final StorageCheck storage;
    private final CompletableFuture<WebServer> listening;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final boolean metricsEnabled;
    private final List<HttpView> views = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Telemetry(TelemetryConfig config, StateSource state, Consumer<String> listenerLost, boolean background) {
        long startNanos = System.nanoTime();
        ListenAddress metricsAt = ListenAddress.parse(METRICS_KEY, config.metricsAddr());
        ListenAddress healthAt = ListenAddress.parse(HEALTH_KEY, config.healthAddr());
        if (config.metricsEnabled() && metricsAt.port() != 0 && metricsAt.port() == healthAt.port()) {
            throw new IllegalArgumentException("observability.metrics.addr and observability.health.addr both use port "
                    + metricsAt.port() + "; give them different ports");
        }
        // Helidon does not throw when a listener cannot bind: it logs a stack trace, stops the others and returns.
        // Binding each address once first turns the common case (port taken) into one line naming the port.
        if (config.metricsEnabled()) {
            metricsAt.requireFree(METRICS_KEY);
        }
        healthAt.requireFree(HEALTH_KEY);
        tracing = FlyMqTracing.start(config.tracing());
        registry = MetricFamilies.newRegistry();
        metrics = new FlyMqMetrics(registry);
        StateMeters stateMeters = new StateMeters(registry, state, startNanos);
        storage = new StorageCheck(state::dataDir, STORAGE_PROBE_DEADLINE);
        HealthEndpoints health = new HealthEndpoints(storage,
                List.of(new ClusterCheck(state::cluster), new MemoryCheck()),
                state::ready, () -> state.cluster().leaderKnown(), shuttingDown::get, startNanos, config.version());

        metricsEnabled = config.metricsEnabled();
        // Building and starting Helidon's server is most of a broker's start-up CPU; in the background it overlaps
        // with opening the logs and binding the protocol port (awaitListening joins it before the node is ready).
        listening = new CompletableFuture<>();
        Runnable listen = () -> {
            try {
                listening.complete(listen(config, metricsAt, healthAt, stateMeters, health, listenerLost));
            } catch (Throwable t) {
                listening.completeExceptionally(t);
            }
        };
        if (background) {
            Thread.ofPlatform().daemon().name("telemetry-start").start(listen);
        } else {
            listen.run();
            awaitListening();
        }
    }

    private WebServer listen(TelemetryConfig config, ListenAddress metricsAt, ListenAddress healthAt,
                             StateMeters stateMeters, HealthEndpoints health, Consumer<String> listenerLost) {
        ListenerWatch healthWatch = new ListenerWatch("health listener on " + config.healthAddr(),
                shuttingDown::get, listenerLost);
        WebServerConfig.Builder builder = WebServer.builder().shutdownHook(false);
        if (metricsEnabled) {
            ListenerWatch metricsWatch = new ListenerWatch("metrics listener on " + config.metricsAddr(),
                    shuttingDown::get, listenerLost);
            if (config.metricsTls() != null) {
                builder.tls(helidonTls(config.metricsTls()));
            }
            builder.host(metricsAt.host())
                    .port(metricsAt.port())
                    .routing(r -> r.get("/metrics", (req, res) -> {
                        stateMeters.refresh();
                        String text = MetricFamilies.prometheusText(registry);
                        res.header(HeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT);
                        res.send(text);
                    }).get("/*", (req, res) -> {
                        HttpView.Answer answer = view(req.path().rawPath());
                        res.status(Status.create(answer.status()));
                        res.header(HeaderNames.CONTENT_TYPE, answer.contentType());
                        res.send(answer.body());
                    }).register(metricsWatch))
                    .putSocket(HEALTH_SOCKET, s -> {
                        s.host(healthAt.host()).port(healthAt.port());
                        if (config.healthTls() != null) {
                            s.tls(helidonTls(config.healthTls()));
                        }
                    })
                    .routing(HEALTH_SOCKET, r -> r.register(health).register(healthWatch));
        } else {
            // Metrics off: nothing listens on the metrics address; health is the only (default) socket.
            if (config.healthTls() != null) {
                builder.tls(helidonTls(config.healthTls()));
            }
            builder.host(healthAt.host()).port(healthAt.port()).routing(r -> r.register(health).register(healthWatch));
        }
        WebServer server = builder.build();
        RuntimeException failed = null;
        try {
            server.start();
        } catch (RuntimeException e) {
            failed = e;
        }
        String down = failed != null || !server.isRunning() ? "telemetry"
                : healthPort(server) < 0 ? HEALTH_KEY + " " + config.healthAddr()
                : metricsEnabled && server.port() < 0 ? METRICS_KEY + " " + config.metricsAddr() : null;
        if (down != null) {
            // lost a race for a port freed by the check above, or a failure of Helidon's own (logged by it)
            shuttingDown.set(true);
            server.stop();
            storage.close();
            tracing.close();
            throw new IllegalStateException("cannot listen on " + down + ": "
                    + (failed != null ? failed.getMessage() : "the listener did not start (see the log above)"),
                    failed);
        }
        return server;
    }

    /** Starts the metrics and health listeners; fails naming the address and the cause if either cannot bind. */
    public static Telemetry start(TelemetryConfig config, StateSource state) {
        return new Telemetry(config, state, lost -> { }, false);
    }

    /**
     * Like {@link #start(TelemetryConfig, StateSource)}, and tells {@code listenerLost} (once per listener, with a
     * line such as {@code health listener on :9095 stopped}) when a listener stops although {@link #close()} was
     * not called: Helidon ends a listener whose accept loop caught an {@code Error} and keeps the process running.
     */
    public static Telemetry start(TelemetryConfig config, StateSource state, Consumer<String> listenerLost) {
        return new Telemetry(config, state, listenerLost, false);
    }

    /**
     * Like {@link #start(TelemetryConfig, StateSource, Consumer)}, but the listeners start on a thread of their own:
     * the meters and spans can be used at once, the ports only after {@link #awaitListening()}, which also throws
     * what a failed start would have.
     */
    /**
     * Starts, on a daemon thread, the Helidon set-up every telemetry needs first (its service registry and config),
     * so that a broker overlaps it with reading its configuration and opening its logs; the first telemetry built
     * then finds it done (or waits for it inside Helidon). Optional, and only the first call does anything.
     */
    public static void prepare() {
        if (PREPARED.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("telemetry-prepare").start(() -> {
                try {
                    MetricFamilies.prepare();
                } catch (RuntimeException | LinkageError e) {
                    // not reported here: the telemetry built next does the same work and fails the start with it
                }
            });
        }
    }

    public static Telemetry startListening(TelemetryConfig config, StateSource state, Consumer<String> listenerLost) {
        return new Telemetry(config, state, listenerLost, true);
    }

    /** Waits until the listeners serve; throws (after releasing what telemetry held) when they could not start. */
    public void awaitListening() {
        server();
    }

    private WebServer server() {
        try {
            return listening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private static Tls helidonTls(HttpTls tls) {
        return Tls.builder().privateKey(tls.key()).privateKeyCertChain(tls.chain()).sslParameters(tls.parameters())
                .build();
    }

    /**
     * Serves new HTTPS connections with a new certificate (a renewed file); connections already open keep theirs.
     * A listener that serves plain HTTP ignores its argument, and null leaves a listener's certificate as it is.
     */
    public void reloadTls(HttpTls metricsTls, HttpTls healthTls) {
        WebServer server = server();
        if (metricsEnabled && metricsTls != null && server.hasTls()) {
            server.reloadTls(helidonTls(metricsTls));
        }
        if (healthTls != null) {
            if (metricsEnabled && server.hasTls(HEALTH_SOCKET)) {
                server.reloadTls(HEALTH_SOCKET, helidonTls(healthTls));
            } else if (!metricsEnabled && server.hasTls()) {
                server.reloadTls(helidonTls(healthTls));
            }
        }
    }

    /**
     * Serves {@code view}'s resources on the metrics listener from now on (nothing when metrics are disabled). Paths
     * already served ({@code /metrics}) stay telemetry's.
     */
    public void addView(HttpView view) {
        views.add(view);
    }

    private HttpView.Answer view(String path) {
        for (HttpView v : views) {
            java.util.Optional<HttpView.Answer> a = v.get(path);
            if (a.isPresent()) {
                return a.get();
            }
        }
        return new HttpView.Answer(404, "text/plain; charset=utf-8", "not found: " + path + "\n");
    }

    /** The hot-path meters. */
    public FlyMqMetrics metrics() {
        return metrics;
    }

    /** Spans for the traced operations ({@link FlyMqTracing#disabled()} when tracing is off). */
    public FlyMqTracing tracing() {
        return tracing;
    }

    /** Whether {@code /metrics} is served (and meters are worth updating). */
    public boolean metricsEnabled() {
        return metricsEnabled;
    }

    /** The bound metrics port, or -1 when metrics are off. */
    public int metricsPort() {
        return metricsEnabled ? server().port() : -1;
    }

    public int healthPort() {
        return healthPort(server());
    }

    private int healthPort(WebServer server) {
        return metricsEnabled ? server.port(HEALTH_SOCKET) : server.port();
    }

    /** A graceful stop has begun: {@code /ready} answers 503 from now on. */
    public void shuttingDown() {
        shuttingDown.set(true);
    }

    @Override
    public void close() {
        shuttingDown.set(true);
        // a start still in flight is waited for; a failed one has stopped its server and released the rest itself
        try {
            listening.join().stop();
        } catch (CompletionException e) {
            return;
        }
        storage.close();
        registry.close();
        tracing.close();
    }
}
