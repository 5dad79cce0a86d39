/** Metrics, tracing and health endpoints, served by Helidon SE. Knows nothing of the broker. */
module flymq.telemetry {
    requires io.helidon.webserver;
}
