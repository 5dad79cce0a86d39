package flymq.admin;

import flymq.admin.api.ApiRoutes;
import flymq.admin.api.EventStream;
import flymq.admin.api.Route;
import flymq.admin.api.Router;
import flymq.admin.console.ConsoleAssets;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import java.util.List;

/**
 * The admin listener, assembled in one place: one Helidon WebServer on {@code observability.admin.addr} serving
 * the REST API under {@code /api/v1} (and upstream's {@code /swagger.json}) through one {@link Router}, and the
 * console's files under {@code /ui/}. The broker starts it after its own listeners and closes it first.
 *
 * <p>With {@link AdminConfig#tls()} the listener speaks HTTPS only (as upstream's with
 * {@code observability.admin.tls_enabled}); its certificate can be replaced while it runs ({@link #reloadTls}).
 */
public final class AdminServer implements AutoCloseable {
    /** How often the console's event stream sends a snapshot. */
    public static final long DEFAULT_EVENT_INTERVAL_MS = 2000;

    private final WebServer server;
    private final EventStream events;
    private final ListenAddress address;
    private final List<Route> routes;
    private final boolean https;

    private AdminServer(AdminConfig config, AdminBackend backend, Authenticator authenticator, long eventMillis) {
        address = ListenAddress.parse(config.addr());
        // Helidon logs a stack trace and carries on when a port is taken; binding once first gives one line.
        address.requireFree();
        events = new EventStream(backend, eventMillis);
        List<Route> extra = new java.util.ArrayList<>(flymq.admin.api.TokenRoutes.routes(authenticator));
        extra.add(events.route());
        routes = ApiRoutes.all(backend, config.version(), extra);
        Router router = new Router(routes, authenticator, config.corsOrigins());
        ConsoleAssets console = new ConsoleAssets();
        boolean loopback = isLoopback(address.host());
        https = config.tls() != null;
        WebServerConfig.Builder builder = WebServer.builder();
        if (https) {
            builder.tls(helidonTls(config.tls()));
        }
        server = builder
                .shutdownHook(false)
                .host(address.host())
                .port(address.port())
                .routing(r -> r.any((req, res) -> {
                    if (loopback && !Router.loopbackHost(req.authority())) {
                        Router.misdirected(req, res);
                    } else if (ConsoleAssets.serves(req.path().rawPath())) {
                        console.handle(req, res);
                    } else {
                        router.handle(req, res);
                    }
                }))
                .build();
        RuntimeException failed = null;
        try {
            server.start();
        } catch (RuntimeException e) {
            failed = e;
        }
        if (failed != null || !server.isRunning()) {
            events.close();
            server.stop();
            throw new IllegalStateException("cannot listen on observability.admin.addr " + config.addr() + ": "
                    + (failed != null ? failed.getMessage() : "the listener did not start (see the log above)"),
                    failed);
        }
    }

    /**
     * Starts the API and console.
     *
     * @throws IllegalStateException {@code cannot listen on observability.admin.addr ...} when the port is taken
     */
    public static AdminServer start(AdminConfig config, AdminBackend backend, Authenticator authenticator) {
        return new AdminServer(config, backend, authenticator, DEFAULT_EVENT_INTERVAL_MS);
    }

    /** As {@link #start(AdminConfig, AdminBackend, Authenticator)} with another event interval (tests). */
    public static AdminServer start(AdminConfig config, AdminBackend backend, Authenticator authenticator,
                                    long eventIntervalMillis) {
        return new AdminServer(config, backend, authenticator, eventIntervalMillis);
    }

    public int port() {
        return server.port();
    }

    /** Every route served under {@code /api/v1}, as documented. */
    List<Route> routes() {
        return routes;
    }

    /**
     * Where a browser on this machine finds the console: {@code http://localhost:9096/ui/} for a wildcard bind,
     * {@code https://...} when the listener serves TLS.
     */
    public String consoleUrl() {
        return consoleUrl(https ? "https" : "http", address.host(), port());
    }

    /** Whether the listener serves HTTPS. */
    public boolean https() {
        return https;
    }

    /**
     * Serves new connections with a new certificate (a renewed file); connections already open keep theirs. Ignored
     * by a listener that serves plain HTTP.
     */
    public void reloadTls(AdminTls tls) {
        if (https && server.hasTls()) {
            server.reloadTls(helidonTls(tls));
        }
    }

    private static Tls helidonTls(AdminTls tls) {
        return Tls.builder().privateKey(tls.key()).privateKeyCertChain(tls.chain()).sslParameters(tls.parameters())
                .build();
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    static String consoleUrl(String scheme, String host, int port) {
        String h = host.equals("0.0.0.0") || host.equals("::") || host.isEmpty() ? "localhost"
                : host.contains(":") ? "[" + host + "]" : host;
        return scheme + "://" + h + ":" + port + "/ui/";
    }

    @Override
    public void close() {
        events.close();
        server.stop();
    }
}
