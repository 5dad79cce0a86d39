package flymq.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.StubHttp;
import flymq.cli.StubHttp.Reply;
import flymq.cli.output.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsCommandTest {

    private static StubHttp broker() throws Exception {
        return new StubHttp().serve("/metrics", Reply.text(200, StubHttp.scrape(1000, 400, 5, 200)));
    }

    @Test
    void printsOneRowPerSeries() throws Exception {
        try (var stub = broker()) {
            var r = Cli.run("metrics", "--metrics-url", stub.base() + "/metrics");
            assertEquals(ExitCode.OK, r.code(), r.toString());
            var lines = r.out().lines().toList();
            assertTrue(lines.get(0).matches("FAMILY\\s+TYPE\\s+LABELS\\s+VALUE"), lines.get(0));
            assertTrue(lines.stream().anyMatch(l ->
                    l.matches("flymq_messages_produced_total\\s+counter\\s+topic=orders\\s+1000")), r.out());
            assertTrue(lines.stream().anyMatch(l ->
                    l.matches("flymq_server_connections_active\\s+gauge\\s+4")), r.out());
        }
    }

    @Test
    void foldsAHistogramIntoCountSumAndP99() throws Exception {
        try (var stub = broker()) {
            var r = Cli.run("metrics", "--metrics-url", stub.base() + "/metrics", "--grep", "latency");
            var rows = r.out().lines().skip(1).toList();
            assertEquals(1, rows.size(), r.out());
            // 100 of 200 at or under 100 µs, the rest under 1 ms: p99 lies 98% into the (100 µs, 1 ms] bucket
            assertTrue(rows.get(0).matches("flymq_produce_latency_seconds\\s+histogram\\s+topic=orders\\s+"
                    + "count=200 sum=0\\.05 p99=0\\.000982"), rows.get(0));
        }
    }

    @Test
    void grepMatchesLabelsAsWellAsNames() throws Exception {
        try (var stub = broker()) {
            var r = Cli.run("metrics", "--metrics-url", stub.base() + "/metrics", "--grep", "topic=payments");
            var rows = r.out().lines().skip(1).toList();
            assertEquals(2, rows.size(), r.out());
            assertTrue(rows.stream().allMatch(l -> l.contains("topic=payments")), r.out());
        }
    }

    @Test
    void jsonShapeListsFamiliesWithTheirSamples() throws Exception {
        try (var stub = broker()) {
            var r = Cli.run("metrics", "--metrics-url", stub.base() + "/metrics", "--grep", "connections_active",
                    "-o", "json");
            assertEquals(ExitCode.OK, r.code(), r.toString());
            var doc = (Map<?, ?>) Json.parse(r.out());
            assertEquals(stub.base() + "/metrics", doc.get("url"));
            assertEquals(List.of(Map.of("name", "flymq_server_connections_active", "type", "gauge",
                    "help", "Current active client connections",
                    "samples", List.of(Map.of("name", "flymq_server_connections_active", "labels", Map.of(),
                            "value", 4L)))), doc.get("families"));
        }
    }

    @Test
    void anHttpErrorIsAFailedOperation() throws Exception {
        try (var stub = new StubHttp().serve("/metrics", Reply.text(404, "no"))) {
            var r = Cli.run("metrics", "--metrics-url", stub.base() + "/nope");
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.err().contains("answered HTTP 404"), r.err());
        }
    }

    @Test
    void aBodyThatIsNotPrometheusTextIsAFailedOperation() throws Exception {
        try (var stub = new StubHttp().serve("/metrics", Reply.text(200, "flymq_up{broken 1"))) {
            var r = Cli.run("metrics", "--metrics-url", stub.base() + "/metrics");
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.err().contains("did not serve Prometheus text"), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }

    @Test
    void nothingListeningIsUnreachable() throws Exception {
        var r = Cli.run("metrics", "--metrics-url", "http://127.0.0.1:" + StubHttp.closedPort() + "/metrics");
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
    }
}
