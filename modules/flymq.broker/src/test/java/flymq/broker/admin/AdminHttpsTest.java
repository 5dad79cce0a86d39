package flymq.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerConfig;
import flymq.broker.DataDirLayout;
import flymq.broker.node.BrokerNode;
import flymq.broker.tls.CertificateAuthority;
import flymq.broker.tls.CertificateAuthority.KeyType;
import flymq.protocol.tls.Pem;
import flymq.protocol.tls.TlsContexts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API of a broker over HTTPS ({@code observability.admin.tls_*}): served with the configured certificate
 * (or the data directory's development one), refused in plain HTTP, renewed without a restart, and the console URL
 * the broker prints says https.
 */
class AdminHttpsTest {
    private static final Duration DAYS = Duration.ofDays(2);

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private Path caCert;
    private Path cert;
    private Path key;

    private BrokerNode start(String... extra) throws IOException {
        Map<String, String> flags = new HashMap<>(Map.of(
                "bind_addr", "127.0.0.1:0", "node_id", "https-admin", "data_dir", dir.resolve("data").toString(),
                "observability.metrics.addr", "127.0.0.1:0", "observability.health.addr", "127.0.0.1:0",
                "observability.admin.addr", "127.0.0.1:0", "observability.admin.tls_enabled", "true"));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            flags.put(extra[i], extra[i + 1]);
        }
        return BrokerNode.start(BrokerConfig.load(null, Map.of(), flags));
    }

    private BrokerNode startWithFiles(String... extra) throws IOException {
        ca = CertificateAuthority.create("admin-ca", KeyType.EC, DAYS);
        caCert = dir.resolve("ca.crt");
        ca.write(caCert, dir.resolve("ca.key"));
        cert = dir.resolve("admin.crt");
        key = dir.resolve("admin.key");
        ca.issue("admin-1", List.of("localhost", "127.0.0.1"), KeyType.EC, DAYS).write(cert, key);
        String[] all = new String[extra.length + 4];
        all[0] = "observability.admin.tls_cert_file";
        all[1] = cert.toString();
        all[2] = "observability.admin.tls_key_file";
        all[3] = key.toString();
        System.arraycopy(extra, 0, all, 4, extra.length);
        return start(all);
    }

    record Answer(int status, String body) {
    }

    /** A request with java.base's HTTPS client, verifying the certificate against {@code trusted} and the host. */
    private static Answer call(SSLContext trusted, String method, String url, String body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        if (c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(trusted.getSocketFactory());
        }
        c.setConnectTimeout(5000);
        c.setReadTimeout(10_000);
        c.setRequestMethod(method);
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            int status = c.getResponseCode();
            var in = status < 400 ? c.getInputStream() : c.getErrorStream();
            return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        return TlsContexts.client(Pem.readCertificates(caFile), null, null, false);
    }

    @Test
    void theApiIsServedOverHttpsOnlyAndTheConsoleUrlSaysSo() throws Exception {
        try (BrokerNode node = startWithFiles()) {
            int port = node.adminPort().orElseThrow();
            assertEquals("https://127.0.0.1:" + port + "/ui/", node.consoleUrl().orElseThrow());
            SSLContext tls = trusting(caCert);

            Answer created = call(tls, "POST", "https://localhost:" + port + "/api/v1/topics",
                    "{\"name\":\"secure\",\"partitions\":2}");
            assertEquals(201, created.status(), created.body());
            Answer topics = call(tls, "GET", "https://localhost:" + port + "/api/v1/topics", null);
            assertTrue(topics.body().contains("\"secure\""), topics.body());
            Answer ui = call(tls, "GET", "https://127.0.0.1:" + port + "/ui/", null);
            assertEquals(200, ui.status());

            assertThrows(IOException.class, () -> call(tls, "GET", "http://127.0.0.1:" + port + "/api/v1/topics",
                    null), "plain HTTP gets no answer");
            SSLContext stranger = trusting(writeOtherCa());
            assertThrows(SSLHandshakeException.class, () -> call(stranger, "GET", "https://localhost:" + port
                    + "/api/v1/health", null), "a client that does not trust the certificate is refused");
        }
    }

    private Path writeOtherCa() throws IOException {
        Path other = dir.resolve("other-ca.crt");
        CertificateAuthority.create("other", KeyType.EC, DAYS).write(other, dir.resolve("other-ca.key"));
        return other;
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestart() throws Exception {
        try (BrokerNode node = startWithFiles("security.tls_reload_interval_ms", "20")) {
            int port = node.adminPort().orElseThrow();
            assertEquals("admin-1", servedName(port));
            ca.issue("admin-2", List.of("localhost", "127.0.0.1"), KeyType.EC, DAYS).write(cert, key);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String served = "admin-1";
            while (!served.equals("admin-2") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                served = servedName(port);
            }
            assertEquals("admin-2", served);
        }
    }

    private String servedName(int port) throws Exception {
        SSLContext ctx = trusting(caCert);
        try (var s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
            return leaf.getSubjectX500Principal().getName().replaceAll(".*CN=([^,]+).*", "$1");
        }
    }

    @Test
    void aGeneratedDevelopmentCertificateIsTrustedThroughTheDataDirectorysCa() throws Exception {
        try (BrokerNode node = start("observability.admin.tls_auto_generate", "true")) {
            int port = node.adminPort().orElseThrow();
            Path devCa = new DataDirLayout(dir.resolve("data")).tlsCaCertFile();
            Answer health = call(trusting(devCa), "GET", "https://127.0.0.1:" + port + "/api/v1/health", null);
            assertEquals(200, health.status(), health.body());
        }
    }

    @Test
    void theClientPortsCertificateServesTheAdminListenerWhenItHasNoneOfItsOwn() throws Exception {
        ca = CertificateAuthority.create("client-ca", KeyType.EC, DAYS);
        caCert = dir.resolve("ca.crt");
        ca.write(caCert, dir.resolve("ca.key"));
        Path clientCert = dir.resolve("server.crt");
        Path clientKey = dir.resolve("server.key");
        ca.issue("broker", List.of("localhost", "127.0.0.1"), KeyType.EC, DAYS).write(clientCert, clientKey);
        try (BrokerNode node = start("security.tls_enabled", "true", "security.tls_cert_file", clientCert.toString(),
                "security.tls_key_file", clientKey.toString())) {
            int port = node.adminPort().orElseThrow();
            assertEquals("broker", servedName(port));
        }
    }

    @Test
    void theHealthListenerServesTheAdminCertificateWhenToldTo() throws Exception {
        try (BrokerNode node = startWithFiles("observability.health.tls_enabled", "true",
                "observability.health.tls_use_admin_cert", "true")) {
            assertEquals("admin-1", servedName(node.healthPort().getAsInt()), "upstream's tls_use_admin_cert");
            Answer live = call(trusting(caCert), "GET", "https://localhost:" + node.healthPort().getAsInt() + "/live",
                    null);
            assertEquals(200, live.status(), live.body());
        }
        var e = assertThrows(flymq.broker.ConfigException.class, () -> BrokerConfig.load(null, Map.of(), Map.of(
                "observability.health.tls_enabled", "true", "observability.health.tls_use_admin_cert", "true")));
        assertTrue(e.getMessage().contains("'observability.admin.tls_enabled' is false"), e.getMessage());
    }

    @Test
    void httpsWithoutAnyCertificateIsAConfigurationError() {
        var e = assertThrows(flymq.broker.ConfigException.class, () -> BrokerConfig.load(null, Map.of(), Map.of(
                "observability.admin.tls_enabled", "true")));
        assertTrue(e.getMessage().contains("observability.admin.tls_cert_file"), e.getMessage());
    }

    @Test
    void aNonLoopbackAdminListenerWithoutTlsIsWarnedAbout() {
        List<String> open = BrokerConfig.load(null, Map.of(), Map.of("observability.admin.addr", ":9096"))
                .warnings();
        assertTrue(open.stream().anyMatch(w -> w.contains("'observability.admin.addr' :9096 is not a loopback "
                + "address") && w.contains("plain HTTP")), open.toString());
        assertTrue(BrokerConfig.load(null, Map.of(), Map.of("observability.admin.addr", "0.0.0.0:9096")).warnings()
                .stream().anyMatch(w -> w.contains("not a loopback address")));

        for (Map<String, String> quiet : List.of(Map.<String, String>of(),
                Map.of("observability.admin.addr", "127.0.0.1:9100"),
                Map.of("observability.admin.addr", "localhost:9100"),
                Map.of("observability.admin.addr", "[::1]:9100"),
                Map.of("observability.admin.addr", ":9096", "observability.admin.enabled", "false"),
                Map.of("observability.admin.addr", ":9096", "observability.admin.tls_enabled", "true",
                        "observability.admin.tls_auto_generate", "true"))) {
            List<String> warnings = BrokerConfig.load(null, Map.of(), quiet).warnings();
            assertFalse(warnings.stream().anyMatch(w -> w.contains("observability.admin")), quiet + ": " + warnings);
        }
    }
}
