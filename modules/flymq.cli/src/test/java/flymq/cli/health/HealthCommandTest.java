package flymq.cli.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.StubHttp;
import flymq.cli.StubHttp.Reply;
import flymq.cli.output.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthCommandTest {
    static final String HEALTHY = """
            {"status":"healthy","checks":{"storage":{"status":"healthy","latency_ms":2},
             "cluster":{"status":"healthy","leader":"node-1"},
             "memory":{"status":"healthy","used_mb":512,"limit_mb":2048}},
             "uptime":"7d12h30m","version":"0.1.0"}""";
    static final String UNHEALTHY = """
            {"status":"unhealthy","checks":{"storage":{"status":"unhealthy","error":"data dir not writable"}},
             "uptime":"1m","version":"0.1.0"}""";

    @Test
    void liveAnswersZeroWhenTheEndpointSays200() throws Exception {
        try (var stub = new StubHttp().serve("/live", Reply.text(200, ""))) {
            var r = Cli.run("health", "live", "--health-url", stub.base());
            assertEquals(ExitCode.OK, r.code(), r.toString());
            assertEquals("live\n", r.out());
        }
    }

    @Test
    void readyAnswersOneWhileTheBrokerIsNotReady() throws Exception {
        try (var stub = new StubHttp().serve("/ready", Reply.text(503, "recovering"))) {
            var r = Cli.run("health", "ready", "--health-url", stub.base() + "/");
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.out().startsWith("not ready (HTTP 503"), r.out());
        }
    }

    @Test
    void readyJsonShape() throws Exception {
        try (var stub = new StubHttp().serve("/ready", Reply.text(200, ""))) {
            var r = Cli.run("health", "ready", "--health-url", stub.base(), "--output", "json");
            assertEquals(Map.of("url", stub.base() + "/ready", "http_status", 200L, "ready", true),
                    Json.parse(r.out()));
        }
    }

    @Test
    void checkPrintsStatusAndEveryCheck() throws Exception {
        try (var stub = new StubHttp().serve("/health", Reply.json(200, HEALTHY))) {
            var r = Cli.run("health", "check", "--health-url", stub.base());
            assertEquals(ExitCode.OK, r.code(), r.toString());
            var lines = r.out().lines().toList();
            assertEquals("status: healthy  uptime: 7d12h30m  version: 0.1.0", lines.get(0));
            assertEquals("CHECK    STATUS   DETAILS", lines.get(1));
            assertEquals("storage  healthy  latency_ms=2", lines.get(2));
            assertEquals("cluster  healthy  leader=node-1", lines.get(3));
            assertEquals("memory   healthy  used_mb=512 limit_mb=2048", lines.get(4));
        }
    }

    @Test
    void checkJsonShape() throws Exception {
        try (var stub = new StubHttp().serve("/health", Reply.json(200, HEALTHY))) {
            var r = Cli.run("health", "check", "--health-url", stub.base(), "-o", "json");
            var doc = (Map<?, ?>) Json.parse(r.out());
            assertEquals(List.of("url", "http_status", "status", "healthy", "uptime", "version", "checks"),
                    List.copyOf(doc.keySet()));
            assertEquals("healthy", doc.get("status"));
            assertEquals(true, doc.get("healthy"));
            assertEquals(Map.of("status", "healthy", "leader", "node-1"),
                    ((Map<?, ?>) doc.get("checks")).get("cluster"));
        }
    }

    @Test
    void checkExitsOneWhenTheBrokerIsUnhealthy() throws Exception {
        try (var stub = new StubHttp().serve("/health", Reply.json(503, UNHEALTHY))) {
            var r = Cli.run("health", "check", "--health-url", stub.base());
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.out().contains("error=data dir not writable"), r.out());
        }
    }

    @Test
    void checkReadsHelidonsDefaultShapeToo() throws Exception {
        var helidon = """
                {"status":"UP","checks":[{"name":"storage","status":"UP","data":{"latency_ms":1}}]}""";
        try (var stub = new StubHttp().serve("/health", Reply.json(200, helidon))) {
            var r = Cli.run("health", "check", "--health-url", stub.base());
            assertEquals(ExitCode.OK, r.code(), r.toString());
            assertTrue(r.out().contains("storage  healthy  latency_ms=1"), r.out());
        }
    }

    @Test
    void checkExitsThreeWhenNothingAnswers() throws Exception {
        var r = Cli.run("health", "check", "--health-url", "http://127.0.0.1:" + StubHttp.closedPort());
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
        assertTrue(r.err().startsWith("flymq health check: cannot reach the health endpoint at http://127.0.0.1:"),
                r.err());
    }

    @Test
    void checkWaitPollsUntilTheBrokerTurnsHealthy() throws Exception {
        try (var stub = new StubHttp().serve("/health",
                n -> n < 3 ? Reply.json(503, UNHEALTHY) : Reply.json(200, HEALTHY))) {
            var r = Cli.run("health", "check", "--wait", "10s", "--health-url", stub.base());
            assertEquals(ExitCode.OK, r.code(), r.toString());
            assertTrue(r.out().startsWith("status: healthy"), r.out());
        }
    }

    @Test
    void checkWaitGivesUpWithOneWhenTheTimeRunsOut() throws Exception {
        try (var stub = new StubHttp().serve("/health", Reply.json(503, UNHEALTHY))) {
            var r = Cli.run("health", "check", "--wait", "300ms", "--health-url", stub.base());
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.out().startsWith("status: unhealthy"), r.out());
        }
    }

    @Test
    void checkWaitGivesUpWithThreeWhenNothingEverAnswered() throws Exception {
        var r = Cli.run("health", "check", "--wait", "300ms",
                "--health-url", "http://127.0.0.1:" + StubHttp.closedPort());
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
        assertTrue(r.err().contains("(waited 300 ms)"), r.err());
    }

    @Test
    void checkReportsAnAnswerThatIsNotHealthJson() throws Exception {
        try (var stub = new StubHttp().serve("/health", Reply.text(200, "<html>hello</html>"))) {
            var r = Cli.run("health", "check", "--health-url", stub.base());
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.err().contains("is --health-url right?"), r.err());
        }
    }
}
