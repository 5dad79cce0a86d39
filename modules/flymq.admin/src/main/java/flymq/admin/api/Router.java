package flymq.admin.api;

import flymq.admin.AdminException;
import flymq.admin.Authenticator;
import flymq.admin.Authenticator.Principal;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Dispatches every request of the admin listener to its {@link Route}: 404 when no template fits the path, 405 with
 * {@code Allow} when one fits but not for this verb, 401/403 when the {@link Authenticator} says so, CORS headers
 * only for configured origins, and every {@link AdminException} (or unexpected failure) as the JSON error shape.
 * Helidon's own routing is not used for the API: one table is easier to document and to test than patterns.
 */
public final class Router implements Handler {
    private static final System.Logger LOG = System.getLogger(Router.class.getName());
    private static final String CORS_HEADERS = "Authorization, Content-Type, If-Match";
    private static final String EXPOSED = "ETag, Location, Link, X-Total-Count";

    private final List<Route> routes;
    private final Authenticator authenticator;
    private final List<String> corsOrigins;

    public Router(List<Route> routes, Authenticator authenticator, List<String> corsOrigins) {
        this.routes = List.copyOf(routes);
        this.authenticator = authenticator;
        this.corsOrigins = List.copyOf(corsOrigins);
    }

    /** The names a request to a loopback listener may be addressed to. */
    private static final java.util.Set<String> LOOPBACK_NAMES = java.util.Set.of("localhost", "127.0.0.1", "[::1]");

    /**
     * Whether a listener bound to loopback should answer a request with this {@code Host}: only when it names this
     * machine. A page of another site whose name is made to resolve to 127.0.0.1 (DNS rebinding) is same-origin to
     * the browser; its requests still carry that site's name, and are refused with 421.
     */
    public static boolean loopbackHost(String authority) {
        String host = authority == null ? "" : authority.trim().toLowerCase(java.util.Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
        }
        return LOOPBACK_NAMES.contains(host);
    }

    /** Answers 421 for a request to a loopback listener that names another host (see {@link #loopbackHost}). */
    public static void misdirected(ServerRequest req, ServerResponse res) {
        error(res, 421, "misdirected_request", "this listener is bound to loopback and answers only requests "
                + "addressed to localhost, 127.0.0.1 or [::1], not " + req.authority()
                + "; set observability.admin.addr to serve other names");
    }

    public List<Route> routes() {
        return routes;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String method = req.prologue().method().text();
        List<String> path = decodedSegments(req.path().rawPath());
        boolean cors = cors(req, res);
        Route route = null;
        Map<String, String> params = null;
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> p = r.match(path);
            if (p != null) {
                allowed.add(r.method());
                if (r.method().equals(method) && route == null) {
                    route = r;
                    params = p;
                }
            }
        }
        if (route == null) {
            if (allowed.isEmpty()) {
                error(res, 404, "not_found", "no such resource: " + req.path().rawPath());
            } else if (method.equals("OPTIONS")) {
                res.header("Allow", String.join(", ", allowed) + ", OPTIONS");
                if (cors) {
                    res.header("Access-Control-Allow-Methods", String.join(", ", allowed));
                    res.header("Access-Control-Allow-Headers", CORS_HEADERS);
                    res.header("Access-Control-Max-Age", "600");
                }
                res.status(204);
                res.send();
            } else {
                res.header("Allow", String.join(", ", allowed));
                error(res, 405, "method_not_allowed", method + " is not allowed on " + req.path().rawPath()
                        + " (allowed: " + String.join(", ", allowed) + ")");
            }
            return;
        }
        Principal principal = authenticator.anonymous();
        if (route.access() != null && authenticator.required()) {
            Optional<Principal> who = authenticator.authenticate(
                    req.headers().first(io.helidon.http.HeaderNames.AUTHORIZATION).orElse(null));
            if (who.isEmpty()) {
                res.header("WWW-Authenticate", "Basic realm=\"flymq\", charset=\"UTF-8\", Bearer realm=\"flymq\"");
                error(res, 401, "unauthorized", "credentials are required (HTTP Basic or a bearer token)");
                return;
            }
            principal = who.get();
            if (!principal.permits(route.access())) {
                error(res, 403, "forbidden", "user " + principal.name() + " may not " + method + " "
                        + route.template() + " (needs " + route.access().name().toLowerCase() + " access)");
                return;
            }
        }
        try {
            route.handler().handle(new Call(req, res, params, principal));
        } catch (AdminException e) {
            if (!res.isSent()) {
                error(res, e.status(), e.code(), e.getMessage());
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, method + " " + req.path().rawPath() + " failed", e);
            if (!res.isSent()) {
                error(res, 500, "internal", "internal error: " + e);
            }
        }
    }

    /** Adds CORS headers when the request's origin is configured; whether it was. */
    private boolean cors(ServerRequest req, ServerResponse res) {
        if (corsOrigins.isEmpty()) {
            return false;
        }
        Optional<String> origin = req.headers().first(io.helidon.http.HeaderNames.ORIGIN);
        if (origin.isEmpty() || !(corsOrigins.contains(origin.get()) || corsOrigins.contains("*"))) {
            return false;
        }
        res.header("Access-Control-Allow-Origin", origin.get());
        res.header("Vary", "Origin");
        res.header("Access-Control-Allow-Credentials", "true");
        res.header("Access-Control-Expose-Headers", EXPOSED);
        return true;
    }

    static void error(ServerResponse res, int status, String code, String message) {
        res.status(status);
        res.headers().contentType(io.helidon.common.media.type.MediaTypes.APPLICATION_JSON);
        res.send(Json.write(Json.error(status, code, message)).getBytes(StandardCharsets.UTF_8));
    }

    /** Path segments, each percent-decoded on its own so that an encoded {@code /} stays inside its segment. */
    static List<String> decodedSegments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
