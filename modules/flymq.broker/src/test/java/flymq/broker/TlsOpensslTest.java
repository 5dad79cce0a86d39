package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.tls.CertificateAuthority.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the TLS port accepts, as a third-party client sees it: {@code openssl s_client} (CI installs OpenSSL) against
 * a broker with an RSA certificate (so that the {@code TLS_ECDHE_RSA_*} suites the official Java SDK offers apply).
 * TLS 1.3 and 1.2 with forward-secret AEAD suites are accepted; TLS 1.1, static-RSA key exchange and CBC suites are
 * refused in the handshake.
 */
class TlsOpensslTest {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static TlsFixtures tls;

    @BeforeAll
    static void start() throws IOException {
        tls = TlsFixtures.create(dir, KeyType.RSA);
        broker = TestBroker.start(dir.resolve("data"), tls.serverFlags());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    record Result(int exit, String output) {
    }

    static Result sClient(String... options) throws Exception {
        return sClient(broker.port(), options);
    }

    static Result sClient(int port, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-brief", "-connect",
                "127.0.0.1:" + port, "-CAfile", tls.caCert.toString(), "-verify_return_error"));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl s_client did not finish");
        return new Result(p.exitValue(), out);
    }

    @Test
    void tls13IsNegotiatedByDefault() throws Exception {
        Result r = sClient();
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("Protocol version: TLSv1.3"), r.output);
        assertTrue(r.output.contains("Verification: OK"), r.output);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"})
    void everyTls13SuiteIsAccepted(String suite) throws Exception {
        Result r = sClient("-tls1_3", "-ciphersuites", suite);
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("Ciphersuite: " + suite), r.output);
    }

    @ParameterizedTest
    @CsvSource({"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"})
    void tls12WithTheEcdheRsaAeadSuitesIsAccepted(String suite) throws Exception {
        Result r = sClient("-tls1_2", "-cipher", suite);
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("Protocol version: TLSv1.2"), r.output);
        assertTrue(r.output.contains("Ciphersuite: " + suite), r.output);
    }

    @ParameterizedTest
    @ValueSource(strings = {"AES128-GCM-SHA256", "AES128-SHA", "ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES256-SHA"})
    void tls12SuitesWithoutForwardSecrecyOrWithCbcAreRefused(String suite) throws Exception {
        Result r = sClient("-tls1_2", "-cipher", suite);
        assertNotEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("alert") || r.output.contains("handshake failure"), r.output);
    }

    /**
     * Unlike a JSSE client (which offers only a certificate of a CA the broker names), OpenSSL sends the certificate
     * it is given: the broker's verdict on it shows. TLS 1.2, so that the verdict ends the handshake itself.
     */
    @ParameterizedTest
    @CsvSource({"request, none, 0", "request, rogue, 1", "request, trusted, 0",
                "require, none, 1", "require, rogue, 1", "require, trusted, 0"})
    void clientCertificatesAreCheckedAsConfigured(String clientAuth, String presented, int refused)
            throws Exception {
        try (TestBroker mtls = TestBroker.start(dir.resolve("mtls-" + clientAuth + "-" + presented),
                tls.serverFlags("security.tls_ca_file", tls.caCert.toString(),
                        "security.tls_client_auth", clientAuth))) {
            List<String> options = new ArrayList<>(List.of("-tls1_2"));
            switch (presented) {
                case "rogue" -> options.addAll(List.of("-cert", tls.rogueClientCert.toString(), "-key",
                        tls.rogueClientKey.toString()));
                case "trusted" -> options.addAll(List.of("-cert", tls.clientCert.toString(), "-key",
                        tls.clientKey.toString()));
                default -> {
                }
            }
            Result r = sClient(mtls.port(), options.toArray(String[]::new));
            if (refused == 1) {
                assertNotEquals(0, r.exit, r.output);
            } else {
                assertEquals(0, r.exit, r.output);
            }
        }
    }

    @Test
    void tls11IsRefusedByTheBroker() throws Exception {
        // security level 0 so that OpenSSL itself offers TLS 1.1: the refusal must come from the broker
        Result r = sClient("-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0");
        assertNotEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("alert protocol version") || r.output.contains("unsupported protocol"),
                r.output);
    }
}
