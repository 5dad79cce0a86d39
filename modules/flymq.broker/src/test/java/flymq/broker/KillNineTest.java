package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Opcodes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker as its own process: produce over the wire, SIGKILL it (no shutdown hook runs), start it again on the
 * same data directory, and find every acknowledged record.
 */
class KillNineTest {
    @TempDir
    Path dir;

    private Process startBroker(Path dataDir) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String modulePath = System.getProperty("jdk.module.path");
        assertNotNull(modulePath, "tests must run on the module path");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "--module-path", modulePath, "-m", "flymq.broker/flymq.broker.node.BrokerMain",
                "--bind_addr", "127.0.0.1:0", "--data_dir", dataDir.toString(), "--node_id", "kill9",
                "--observability.metrics.addr", "127.0.0.1:0", "--observability.health.addr", "127.0.0.1:0"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("FLYMQ_"));
        return pb.start();
    }

    private static int awaitPort(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertNotNull(line, "the broker exited before listening");
        assertTrue(line.contains("listening on"), line);
        return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim());
    }

    @Test
    void everyAcknowledgedRecordSurvivesKillDashNine() throws Exception {
        Path data = dir.resolve("data");
        Process first = startBroker(data);
        List<String> acked = new ArrayList<>();
        try {
            int port = awaitPort(first);
            try (WireClient c = new WireClient(port)) {
                c.createTopic("crash", 2);
                for (int i = 0; i < 500; i++) {
                    String v = "record-" + i;
                    c.produce("crash", "k" + i, v, -1);
                    acked.add(v);
                }
                c.commit("crash", "g", 0, 17);
            }
        } finally {
            first.destroyForcibly();
            assertTrue(first.waitFor(20, TimeUnit.SECONDS));
        }
        assertEquals(137, first.exitValue(), "killed by SIGKILL");

        Process second = startBroker(data);
        try {
            int port = awaitPort(second);
            try (WireClient c = new WireClient(port)) {
                List<String> found = new ArrayList<>();
                for (int p = 0; p < 2; p++) {
                    long pos = 0;
                    while (true) {
                        WireClient.FetchResult r = c.fetch("crash", p, pos, 500, "");
                        if (r.records().isEmpty()) {
                            break;
                        }
                        r.records().forEach(f -> found.add(f.value()));
                        pos = r.nextOffset();
                    }
                }
                assertTrue(found.containsAll(acked), "missing: " + acked.stream().filter(v -> !found.contains(v))
                        .limit(10).toList());
                assertEquals(acked.size(), found.size());
                assertEquals(17, c.call(Opcodes.GET_OFFSET,
                        WireClient.payload().str16("crash").str16("g").i32(0)).reader().u64("o"));
            }
        } finally {
            second.destroy();
            second.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
