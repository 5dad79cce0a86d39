package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser over HTTPS ({@code observability.admin.tls_enabled} with the development
 * certificate): Chromium is told to accept exactly that certificate's key (by its SPKI hash, nothing else), loads the
 * console, keeps its live event stream over TLS, and creates a topic through the API.
 */
class ConsoleHttpsBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SHOTS = Path.of("target", "console-screenshots");

    @TempDir
    Path dir;

    @Test
    void theConsoleWorksOverHttpsWithItsLiveStream() throws Exception {
        Optional<Path> browser = Chromium.find();
        Assumptions.assumeTrue(browser.isPresent(), "no chromium on PATH: the console's HTTPS browser test did not "
                + "run (.ci/run installs Debian's chromium package)");
        int adminPort = ImageProcess.freePort();
        Path data = dir.resolve("data");
        ImageProcess.Server server = ImageProcess.startServer("broker with an HTTPS console", "--bind-addr",
                "127.0.0.1:0", "--data-dir", data.toString(), "--node-id", "https-console",
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=127.0.0.1:" + adminPort,
                "--set", "observability.admin.tls_enabled=true",
                "--set", "observability.admin.tls_auto_generate=true");
        String ui = "https://127.0.0.1:" + adminPort + "/ui/";
        try (Chromium chrome = Chromium.start(browser.get(), 1280, 860,
                List.of("--ignore-certificate-errors-spki-list=" + spkiHash(data.resolve("tls/server.crt"))));
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + server.port())) {
            chrome.navigate(ui + "#/overview");
            chrome.waitFor("the overview over https", "location.protocol === 'https:' && document.querySelector("
                    + "'#ov-leader') && document.querySelector('#ov-leader').textContent === 'https-console'", WAIT);
            chrome.waitFor("the live event stream over TLS", "document.querySelector('#live').classList"
                    + ".contains('ok')", WAIT);

            chrome.navigate(ui + "#/topics");
            chrome.waitFor("the topics page", "document.querySelector('#create-topic-name') !== null", WAIT);
            chrome.type("#create-topic-name", "tls-orders");
            chrome.click("#create-topic-submit");
            chrome.waitFor("the new topic's row", "document.querySelector('tr[data-topic=\"tls-orders\"]')", WAIT);
            assertEquals(List.of("tls-orders"), client.listTopics(), "the console created it through HTTPS");
            chrome.screenshot(SHOTS.resolve("topics-https.png"));
            assertEquals(List.of(), chrome.pageErrors, "no script errors in the console");
        } finally {
            server.process().destroy();
            server.process().waitFor();
        }
        assertTrue(Files.size(SHOTS.resolve("topics-https.png")) > 1000);
    }

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's switch takes it. */
    private static String spkiHash(Path pem) throws Exception {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(pem)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(cert.getPublicKey().getEncoded()));
    }
}
