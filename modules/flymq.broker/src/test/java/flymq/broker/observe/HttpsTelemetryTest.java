package flymq.broker.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.broker.tls.CertificateAuthority;
import flymq.broker.tls.CertificateAuthority.KeyType;
import flymq.protocol.tls.Pem;
import flymq.protocol.tls.TlsContexts;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.HttpURLConnection;
import javax.net.ssl.HttpsURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics and health listeners over HTTPS: served, refused in plain HTTP, reloaded, scraped by Prometheus. */
class HttpsTelemetryTest {
    private static final Duration DAYS = Duration.ofDays(2);

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private Path caCert;
    private Path cert;
    private Path key;

    private BrokerNode startHttpsBroker(String... extra) throws IOException {
        ca = CertificateAuthority.create("ca", KeyType.EC, DAYS);
        caCert = dir.resolve("ca.crt");
        ca.write(caCert, dir.resolve("ca.key"));
        cert = dir.resolve("http.crt");
        key = dir.resolve("http.key");
        ca.issue("http-1", List.of("localhost", "127.0.0.1"), KeyType.EC, DAYS).write(cert, key);
        Map<String, String> flags = new java.util.HashMap<>(Map.of(
                "bind_addr", "127.0.0.1:0", "node_id", "https-node", "data_dir", dir.resolve("data").toString(),
                "observability.metrics.addr", "127.0.0.1:0", "observability.health.addr", "127.0.0.1:0",
                "observability.metrics.tls_enabled", "true", "observability.health.tls_enabled", "true",
                "observability.metrics.tls_cert_file", cert.toString(),
                "observability.metrics.tls_key_file", key.toString()));
        flags.put("observability.health.tls_cert_file", cert.toString());
        flags.put("observability.health.tls_key_file", key.toString());
        for (int i = 0; i + 1 < extra.length; i += 2) {
            flags.put(extra[i], extra[i + 1]);
        }
        return BrokerNode.start(BrokerConfig.load(null, Map.of(), flags));
    }

    /** A GET answer: status and body. */
    record Response(int statusCode, String body) {
    }

    private SSLContext trusting() throws Exception {
        return TlsContexts.client(Pem.readCertificates(caCert), null, null, false);
    }

    /** GET with java.base only (HTTPS through {@code tls}, or plain HTTP when it is null). */
    private static Response get(SSLContext tls, String url) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        if (c instanceof HttpsURLConnection https && tls != null) {
            https.setSSLSocketFactory(tls.getSocketFactory());
        }
        c.setConnectTimeout(5000);
        c.setReadTimeout(10_000);
        try {
            int status = c.getResponseCode();
            var in = status < 400 ? c.getInputStream() : c.getErrorStream();
            return new Response(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }

    @Test
    void metricsAndHealthAreServedOverHttpsOnly() throws Exception {
        try (BrokerNode node = startHttpsBroker()) {
            SSLContext http = trusting();
            Response metrics = get(http, "https://localhost:" + node.metricsPort().getAsInt() + "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("flymq_cluster_leader"), metrics.body());
            Response health = get(http, "https://localhost:" + node.healthPort().getAsInt() + "/health");
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"status\":\"healthy\""), health.body());

            assertThrows(IOException.class,
                    () -> get(null, "http://127.0.0.1:" + node.metricsPort().getAsInt() + "/metrics"));
        }
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestart() throws Exception {
        try (BrokerNode node = startHttpsBroker("security.tls_reload_interval_ms", "20")) {
            int port = node.healthPort().getAsInt();
            assertEquals("http-1", servedName(port));
            ca.issue("http-2", List.of("localhost", "127.0.0.1"), KeyType.EC, DAYS).write(cert, key);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String served = "http-1";
            while (!served.equals("http-2") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                served = servedName(port);
            }
            assertEquals("http-2", served);
        }
    }

    private String servedName(int port) throws Exception {
        SSLContext ctx = TlsContexts.client(Pem.readCertificates(caCert), null, null, false);
        try (var s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
            return leaf.getSubjectX500Principal().getName().replaceAll(".*CN=([^,]+).*", "$1");
        }
    }

    @Test
    void aRealPrometheusScrapesMetricsOverHttps() throws Exception {
        String prometheus = which("prometheus");
        Assumptions.assumeTrue(prometheus != null,
                "prometheus not on PATH: install Debian's 'prometheus' package (.ci/run does) to run this check");
        try (BrokerNode node = startHttpsBroker()) {
            int promPort = freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: flymq
                        scheme: https
                        tls_config:
                          ca_file: %s
                          server_name: localhost
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(caCert, node.metricsPort().getAsInt()));
            Path log = dir.resolve("prometheus.log");
            Process p = new ProcessBuilder(prometheus, "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                // up is 1 only after a successful scrape: TLS verified against the CA, Prometheus text parsed
                assertEquals("1", awaitValue(promPort, "up{job=\"flymq\"}", "1", p, log));
                assertEquals("1", awaitValue(promPort, "flymq_cluster_leader{node_id=\"https-node\"}", "1", p, log));
            } finally {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** Polls an instant query until it yields {@code wanted}; gives the last value seen otherwise. */
    private static String awaitValue(int port, String query, String wanted, Process prometheus, Path log)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        String last = "(no answer)";
        java.util.regex.Pattern value = java.util.regex.Pattern.compile("\"value\":\\[[^,]+,\"([^\"]+)\"\\]");
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                fail("prometheus exited:\n" + Files.readString(log));
            }
            try {
                Response r = get(null, "http://127.0.0.1:" + port + "/api/v1/query?query="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8));
                var m = value.matcher(r.body());
                if (m.find()) {
                    last = m.group(1);
                    if (last.equals(wanted)) {
                        return last;
                    }
                }
            } catch (IOException notUpYet) {
                last = notUpYet.toString();
            }
            Thread.sleep(250);
        }
        return last + " (targets: " + targets(port) + ")";
    }

    private static String targets(int port) {
        try {
            return get(null, "http://127.0.0.1:" + port + "/api/v1/targets").body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    static String which(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, command);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** A free loopback port below the ephemeral range (see DashboardQueriesTest for why). */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (java.net.BindException taken) {
                // in use: try another
            }
        }
        throw new IOException("no free loopback port in 20000-31999");
    }
}
