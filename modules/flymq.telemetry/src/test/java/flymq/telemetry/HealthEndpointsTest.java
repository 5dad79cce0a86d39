package flymq.telemetry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import flymq.telemetry.health.HealthEndpoints;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthEndpointsTest {

    @TempDir
    Path dataDir;
    MutableState state;
    Telemetry telemetry;

    @BeforeEach
    void start() {
        state = MutableState.withOrdersAndBilling(dataDir);
        telemetry = Telemetry.start(TestConfigs.ephemeral(), state);
    }

    @AfterEach
    void stop() {
        telemetry.close();
    }

    private Http.Response get(String path) throws Exception {
        return Http.get(telemetry.healthPort(), path);
    }

    @Test
    void healthReportsTheGuidesShapeWhenAllIsWell() throws Exception {
        Http.Response r = get("/health");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        String b = r.body();
        assertTrue(b.startsWith("{\"status\":\"healthy\",\"checks\":{"), b);
        assertTrue(Pattern.compile("\"storage\":\\{\"status\":\"healthy\",\"latency_ms\":\\d+}").matcher(b).find(), b);
        assertTrue(b.contains("\"cluster\":{\"status\":\"healthy\",\"leader\":\"node-1\"}"), b);
        assertTrue(Pattern.compile("\"memory\":\\{\"status\":\"healthy\",\"used_mb\":\\d+,\"limit_mb\":\\d+}")
                .matcher(b).find(), b);
        assertTrue(Pattern.compile("\"uptime\":\"\\d+m\\d+s\",\"version\":\"1.0.0-test\"}$").matcher(b).find(), b);
    }

    @Test
    void storageProbeLeavesNoFileBehind() throws Exception {
        get("/health");
        try (var files = java.nio.file.Files.list(dataDir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void unwritableDataDirMakesHealthUnhealthyWith503AndErrors() throws Exception {
        state.dataDir = dataDir.resolve("missing");
        Http.Response r = get("/health");
        assertEquals(503, r.status());
        assertTrue(r.body().startsWith("{\"status\":\"unhealthy\""), r.body());
        assertTrue(r.body().contains("\"errors\":[\"storage: cannot write+fsync+delete"), r.body());
        assertTrue(r.body().contains("missing"), "the error names the directory: " + r.body());
    }

    @Test
    void noLeaderDegradesHealthButKeepsIt200() throws Exception {
        state.cluster = new StateSource.ClusterState(3, "node-1", "", 4, 10, 2);
        Http.Response r = get("/health");
        assertEquals(200, r.status());
        assertTrue(r.body().startsWith("{\"status\":\"degraded\""), r.body());
    }

    @Test
    void readyIs503UntilRecoveryFinishes() throws Exception {
        state.ready = false;
        assertEquals(503, get("/ready").status());
        assertEquals(503, get("/health/ready").status());
        state.ready = true;
        assertEquals(200, get("/ready").status());
        assertEquals(200, get("/health/ready").status());
    }

    @Test
    void readyIs503WithoutALeader() throws Exception {
        state.cluster = new StateSource.ClusterState(3, "node-1", "", 4, 10, 2);
        Http.Response r = get("/ready");
        assertEquals(503, r.status());
        assertTrue(r.body().contains("no cluster leader"), r.body());
    }

    @Test
    void readyIs503OnceShutdownBegins() throws Exception {
        telemetry.shuttingDown();
        Http.Response r = get("/ready");
        assertEquals(503, r.status());
        assertTrue(r.body().contains("shutting down"), r.body());
    }

    @Test
    void liveStays200WhileNotReady() throws Exception {
        state.ready = false;
        telemetry.shuttingDown();
        assertEquals(200, get("/live").status());
        assertEquals(200, get("/health/live").status());
    }

    @Test
    void uptimeIsWrittenLikeTheGuide() {
        assertEquals("7d12h30m", HealthEndpoints.uptime(Duration.ofDays(7).plusHours(12).plusMinutes(30)));
        assertEquals("3h5m", HealthEndpoints.uptime(Duration.ofHours(3).plusMinutes(5).plusSeconds(9)));
        assertEquals("4m10s", HealthEndpoints.uptime(Duration.ofMinutes(4).plusSeconds(10)));
    }

    @Test
    void unknownPathIs404() throws Exception {
        assertFalse(get("/nope").status() < 400);
    }
}
