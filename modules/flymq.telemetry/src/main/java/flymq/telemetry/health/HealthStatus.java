package flymq.telemetry.health;

/** The three answers of the guide's {@code /health}, ordered from best to worst. */
public enum HealthStatus {
    HEALTHY, DEGRADED, UNHEALTHY;

    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static HealthStatus worst(HealthStatus a, HealthStatus b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    static HealthStatus of(Object detail) {
        return detail == null ? HEALTHY : valueOf(detail.toString().toUpperCase(java.util.Locale.ROOT));
    }
}
