package flymq.telemetry.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;

/**
 * The guide's health endpoints: {@code GET /live}, {@code /ready}, {@code /health}, plus {@code /health/live} and
 * {@code /health/ready} as upstream serves them.
 *
 * <p>{@code /health} answers {@code {"status": healthy|degraded|unhealthy, "checks": {name: {...}}, "uptime":
 * "7d12h30m", "version": ...}} with 200 unless unhealthy (503, and an {@code errors} list). {@code /ready} is 503
 * until the broker has recovered, while no leader is known and once shutdown has begun. {@code /live} is 503 only
 * while the broker is wedged (its data directory does not answer a write+fsync within the probe deadline).
 */
public final class HealthEndpoints implements HttpService {

    private final List<HealthCheck> checks;
    private final StorageCheck storage;
    private final BooleanSupplier ready;
    private final BooleanSupplier leaderKnown;
    private final BooleanSupplier shuttingDown;
    private final long startNanos;
    private final String version;

    public HealthEndpoints(StorageCheck storage, List<HealthCheck> otherChecks, BooleanSupplier ready,
                           BooleanSupplier leaderKnown, BooleanSupplier shuttingDown, long startNanos,
                           String version) {
        this.storage = storage;
        this.checks = new ArrayList<>();
        this.checks.add(storage);
        this.checks.addAll(otherChecks);
        this.ready = ready;
        this.leaderKnown = leaderKnown;
        this.shuttingDown = shuttingDown;
        this.startNanos = startNanos;
        this.version = version;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/live", (req, res) -> live(res))
                .get("/health/live", (req, res) -> live(res))
                .get("/ready", (req, res) -> ready(res))
                .get("/health/ready", (req, res) -> ready(res))
                .get("/health", (req, res) -> health(res));
    }

    private void live(ServerResponse res) {
        if (storage.wedged()) {
            json(res, Status.SERVICE_UNAVAILABLE_503,
                    "{\"status\":\"wedged\",\"error\":\"data directory probe is blocked\"}");
        } else {
            json(res, Status.OK_200, "{\"status\":\"alive\"}");
        }
    }

    private void ready(ServerResponse res) {
        String reason = null;
        if (shuttingDown.getAsBoolean()) {
            reason = "shutting down";
        } else if (!ready.getAsBoolean()) {
            reason = "recovery has not finished";
        } else if (!leaderKnown.getAsBoolean()) {
            reason = "no cluster leader known";
        }
        if (reason == null) {
            json(res, Status.OK_200, "{\"status\":\"ready\"}");
        } else {
            json(res, Status.SERVICE_UNAVAILABLE_503, "{\"status\":\"not ready\",\"reason\":" + quote(reason) + "}");
        }
    }

    private void health(ServerResponse res) {
        HealthStatus overall = HealthStatus.HEALTHY;
        List<String> errors = new ArrayList<>();
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        for (HealthCheck check : checks) {
            Map<String, Object> details;
            try {
                HealthCheckResponse r = check.call();
                details = inGuideOrder(r.details());
                if (r.status() != HealthCheckResponse.Status.UP && !details.containsKey("status")) {
                    details.put("status", HealthStatus.UNHEALTHY.json());
                }
            } catch (RuntimeException e) {
                details = new LinkedHashMap<>();
                details.put("status", HealthStatus.UNHEALTHY.json());
                details.put("error", "check failed: " + e);
            }
            HealthStatus s = HealthStatus.of(details.get("status"));
            overall = HealthStatus.worst(overall, s);
            Object error = details.remove("error");
            if (error != null) {
                errors.add(check.name() + ": " + error);
            }
            results.put(check.name(), details);
        }
        StringBuilder json = new StringBuilder(256);
        json.append("{\"status\":").append(quote(overall.json())).append(",\"checks\":{");
        boolean first = true;
        for (var e : results.entrySet()) {
            json.append(first ? "" : ",").append(quote(e.getKey())).append(':');
            object(json, e.getValue());
            first = false;
        }
        json.append("},\"uptime\":").append(quote(uptime(Duration.ofNanos(System.nanoTime() - startNanos))))
                .append(",\"version\":").append(quote(version));
        if (!errors.isEmpty()) {
            json.append(",\"errors\":[");
            for (int i = 0; i < errors.size(); i++) {
                json.append(i == 0 ? "" : ",").append(quote(errors.get(i)));
            }
            json.append(']');
        }
        json.append('}');
        json(res, overall == HealthStatus.UNHEALTHY ? Status.SERVICE_UNAVAILABLE_503 : Status.OK_200, json.toString());
    }

    private static final List<String> KEY_ORDER = List.of("status", "latency_ms", "leader", "used_mb", "limit_mb");

    /** Helidon sorts details by key; print them in the order the guide shows. */
    private static Map<String, Object> inGuideOrder(Map<String, Object> details) {
        Map<String, Object> ordered = new LinkedHashMap<>();
        for (String key : KEY_ORDER) {
            if (details.containsKey(key)) {
                ordered.put(key, details.get(key));
            }
        }
        details.forEach(ordered::putIfAbsent);
        return ordered;
    }

    /** Uptime the way the guide writes it: {@code 7d12h30m}, {@code 3h5m}, {@code 4m10s}. */
    public static String uptime(Duration d) {
        long s = d.toSeconds();
        long days = s / 86_400;
        long hours = s % 86_400 / 3600;
        long minutes = s % 3600 / 60;
        long seconds = s % 60;
        if (days > 0) {
            return days + "d" + hours + "h" + minutes + "m";
        }
        if (hours > 0) {
            return hours + "h" + minutes + "m";
        }
        return minutes + "m" + seconds + "s";
    }

    private static void object(StringBuilder json, Map<String, Object> map) {
        json.append('{');
        boolean first = true;
        for (var e : map.entrySet()) {
            json.append(first ? "" : ",").append(quote(e.getKey())).append(':');
            Object v = e.getValue();
            if (v instanceof Number || v instanceof Boolean) {
                json.append(v);
            } else {
                json.append(quote(String.valueOf(v)));
            }
            first = false;
        }
        json.append('}');
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static void json(ServerResponse res, Status status, String body) {
        res.status(status);
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(body);
    }
}
