package flymq.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener over HTTPS: a real TLS client (java.net.http, verifying the certificate and the host name)
 * reads the API and the console; a client that does not trust the certificate, and one that speaks plain HTTP, get
 * nothing; a replaced certificate is served to new connections. Certificates come from the JDK's keytool.
 */
class AdminServerHttpsTest {
    @TempDir
    Path dir;

    private AdminServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A self-signed EC certificate for localhost and 127.0.0.1, made by keytool, and its key. */
    private record KeyPair(PrivateKey key, X509Certificate cert) {
        AdminTls tls() {
            SSLParameters p = new SSLParameters();
            p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            return new AdminTls(key, List.of(cert), p);
        }
    }

    private KeyPair keyPair(String name) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", name, "-keyalg", "EC",
                "-dname", "CN=" + name, "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        return new KeyPair((PrivateKey) ks.getKey(name, "changeit".toCharArray()),
                (X509Certificate) ks.getCertificate(name));
    }

    private static HttpClient trusting(X509Certificate... certs) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < certs.length; i++) {
            trust.setCertificateEntry("c" + i, certs[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private HttpResponse<String> get(HttpClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private AdminServer start(AdminTls tls) {
        server = AdminServer.start(new AdminConfig("127.0.0.1:0", List.of(), "test-1", tls),
                new FakeBackend().withTopic("orders", 2, 3), Authenticator.allowAll(), 100);
        return server;
    }

    @Test
    void theApiAndTheConsoleAreServedOverHttpsWithTheConfiguredCertificate() throws Exception {
        KeyPair k = keyPair("admin");
        start(k.tls());
        assertTrue(server.https());
        assertEquals("https://127.0.0.1:" + server.port() + "/ui/", server.consoleUrl());
        HttpClient client = trusting(k.cert());

        HttpResponse<String> health = get(client, "/api/v1/health");
        assertEquals(200, health.statusCode(), health.body());
        SSLSession session = health.sslSession().orElseThrow();
        assertEquals(k.cert(), session.getPeerCertificates()[0]);
        HttpResponse<String> topics = get(client, "/api/v1/topics");
        assertTrue(topics.body().contains("\"orders\""), topics.body());
        HttpResponse<String> ui = get(client, "/ui/");
        assertEquals(200, ui.statusCode());
        assertTrue(ui.body().contains("FlyMQ console"), ui.body());
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefusedTheHandshake() throws Exception {
        start(keyPair("admin").tls());
        HttpClient stranger = trusting(keyPair("other").cert());
        assertThrows(SSLHandshakeException.class, () -> get(stranger, "/api/v1/health"));
    }

    @Test
    void plainHttpOnTheHttpsListenerGetsNoAnswerOfTheApi() throws Exception {
        start(keyPair("admin").tls());
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /api/v1/topics HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer;
            try {
                answer = s.getInputStream().readAllBytes();
            } catch (IOException e) {
                answer = new byte[0]; // reset: the listener dropped the connection
            }
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("orders"), "no topic names over plain HTTP: " + text);
            assertFalse(text.startsWith("HTTP/1.1 200"), text);
        }
    }

    @Test
    void aReloadedCertificateIsServedToNewConnections() throws Exception {
        KeyPair first = keyPair("first");
        KeyPair second = keyPair("second");
        start(first.tls());
        assertEquals(first.cert(), peer(trusting(first.cert(), second.cert())));

        server.reloadTls(second.tls());
        assertEquals(second.cert(), peer(trusting(first.cert(), second.cert())), "a new connection sees the new one");
    }

    private Certificate peer(HttpClient client) throws Exception {
        HttpResponse<String> r = get(client, "/api/v1/health");
        assertEquals(200, r.statusCode());
        Certificate[] chain = r.sslSession().orElseThrow().getPeerCertificates();
        assertTrue(chain.length >= 1, Arrays.toString(chain));
        return chain[0];
    }

    @Test
    void aPlainListenerReportsHttpAndIgnoresAReload() throws Exception {
        start(null);
        assertFalse(server.https());
        assertTrue(server.consoleUrl().startsWith("http://127.0.0.1:"), server.consoleUrl());
        server.reloadTls(keyPair("ignored").tls()); // nothing to replace
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/api/v1/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
    }
}
