package flymq.telemetry;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a real Prometheus (Debian's binary) that scrapes a live telemetry server under synthetic load, then evaluates
 * every query of examples/grafana/flymq-dashboard.json through Prometheus's HTTP API: each must succeed and return
 * at least one number.
 */
class DashboardQueriesTest {

    static final Path DASHBOARD = Path.of("../../examples/grafana/flymq-dashboard.json");
    private static final Pattern EXPR = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[^,]+,\"([^\"]+)\"\\]");

    @TempDir
    Path tmp;

    static List<String> dashboardQueries() throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = EXPR.matcher(Files.readString(DASHBOARD));
        while (m.find()) {
            out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return out;
    }

    @Test
    void everyDashboardQueryReturnsDataFromARealPrometheus() throws Exception {
        String prometheus = PromtoolTest.which("prometheus");
        Assumptions.assumeTrue(prometheus != null,
                "prometheus not on PATH: install Debian's 'prometheus' package (.ci/run does) to run this check");
        List<String> queries = dashboardQueries();
        assertFalse(queries.isEmpty(), "no queries found in " + DASHBOARD.toAbsolutePath());

        Path data = Files.createDirectories(tmp.resolve("data"));
        AtomicBoolean loading = new AtomicBoolean(true);
        try (Telemetry t = Telemetry.start(TestConfigs.ephemeral(), MutableState.withOrdersAndBilling(data))) {
            Thread load = Thread.ofPlatform().daemon().name("synthetic-load").start(() -> {
                while (loading.get()) {
                    SyntheticLoad.apply(t.metrics());
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            int promPort = freePort();
            Path config = tmp.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: flymq
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(t.metricsPort()));
            Process p = new ProcessBuilder(prometheus,
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("prometheus.log").toFile())
                    .start();
            try {
                for (String q : queries) {
                    awaitNumber(promPort, q, p);
                }
            } finally {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                loading.set(false);
                load.join(5000);
            }
        }
    }

    /** Polls one instant query until it yields a number; an error answer fails at once. */
    private void awaitNumber(int port, String query, Process prometheus) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        String last = "(no answer)";
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                fail("prometheus exited:\n" + Files.readString(tmp.resolve("prometheus.log")));
            }
            try {
                Http.Response r = Http.get(port, "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
                last = r.body();
                if (r.status() == 400 || r.body().contains("\"status\":\"error\"")) {
                    fail("query " + query + " was refused: " + r.body());
                }
                if (r.status() == 200) {
                    Matcher m = VALUE.matcher(r.body());
                    while (m.find()) {
                        String v = m.group(1);
                        if (!v.equals("NaN")) {
                            Double.parseDouble(v);
                            return;
                        }
                    }
                }
            } catch (IOException notUpYet) {
                last = notUpYet.toString();
            }
            Thread.sleep(250);
        }
        assertEquals("a number", last, "query returned no data within 40 s: " + query);
    }

    /**
     * A free port below the kernel's ephemeral range (32768-60999 here): a port picked there can be taken by an
     * outgoing connection's local port before the node binds it, which failed CI runs.
     */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (java.net.BindException taken) {
                // in use: try another
            }
        }
        throw new java.io.IOException("no free loopback port in 20000-31999");
    }
}
