package flymq.cli.health;

import flymq.cli.output.Json;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The body of {@code GET /health}, read leniently: the seed's shape
 * ({@code {"status":"healthy","checks":{"storage":{"status":"healthy",...}},"uptime":"1h2m","version":"..."}})
 * and Helidon's default ({@code {"status":"UP","checks":[{"name":"...","status":"UP","data":{...}}]}}) both work.
 *
 * @param status  healthy, degraded or unhealthy (Helidon's UP/DOWN are mapped to healthy/unhealthy)
 * @param checks  check name -> its fields (always including "status")
 * @param uptime  as the broker wrote it, or null
 * @param version as the broker wrote it, or null
 */
record HealthReport(String status, Map<String, Map<String, Object>> checks, String uptime, String version) {

    static HealthReport parse(String body) {
        if (!(Json.parse(body) instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("the /health answer is not a JSON object");
        }
        var checks = new LinkedHashMap<String, Map<String, Object>>();
        switch (root.get("checks")) {
            case Map<?, ?> named -> named.forEach((k, v) -> checks.put(String.valueOf(k), fields(v)));
            case Iterable<?> list -> {
                for (var item : list) {
                    var f = fields(item);
                    var name = String.valueOf(f.remove("name"));
                    if (f.remove("data") instanceof Map<?, ?> data) {
                        data.forEach((k, v) -> f.put(String.valueOf(k), v));
                    }
                    checks.put(name, f);
                }
            }
            case null, default -> { }
        }
        checks.values().forEach(f -> f.computeIfPresent("status", (k, v) -> normalize(String.valueOf(v))));
        return new HealthReport(normalize(String.valueOf(root.get("status"))), checks,
                root.get("uptime") == null ? null : String.valueOf(root.get("uptime")),
                root.get("version") == null ? null : String.valueOf(root.get("version")));
    }

    private static Map<String, Object> fields(Object v) {
        var f = new LinkedHashMap<String, Object>();
        if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> f.put(String.valueOf(k), x));
        }
        return f;
    }

    static String normalize(String status) {
        return switch (status.toLowerCase(Locale.ROOT)) {
            case "up", "healthy", "ok" -> "healthy";
            case "down", "unhealthy" -> "unhealthy";
            default -> status.toLowerCase(Locale.ROOT);
        };
    }

    /** Healthy and degraded brokers serve traffic; only unhealthy (or anything unknown) fails a check. */
    boolean serving() {
        return status.equals("healthy") || status.equals("degraded");
    }
}
