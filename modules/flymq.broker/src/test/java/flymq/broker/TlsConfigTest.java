package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.tls.TlsContexts.ClientAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The security.tls_* keys: upstream's names, our additions, and every combination that cannot work. */
class TlsConfigTest {
    @TempDir
    Path dir;

    private static BrokerConfig load(String... pairs) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            flags.put(pairs[i], pairs[i + 1]);
        }
        return BrokerConfig.load(null, Map.of(), flags);
    }

    @Test
    void tlsIsOffByDefault() {
        BrokerConfig.Tls t = BrokerConfig.defaults().tls();
        assertFalse(t.enabled());
        assertEquals(ClientAuth.NONE, t.clientAuth());
        assertEquals(10_000, t.handshakeTimeoutMs());
    }

    @Test
    void upstreamsSecurityBlockIsReadNotIgnored() throws Exception {
        Path file = Files.writeString(dir.resolve("flymq.json"), """
                {"security": {"tls_enabled": true, "tls_cert_file": "/etc/flymq/server.crt",
                              "tls_key_file": "/etc/flymq/server.key", "tls_ca_file": "/etc/flymq/ca.crt"}}
                """);
        BrokerConfig c = BrokerConfig.load(file, Map.of(), Map.of());
        assertTrue(c.tls().enabled());
        assertEquals("/etc/flymq/server.crt", c.tls().certFile());
        assertEquals("/etc/flymq/ca.crt", c.tls().caFile());
        assertEquals(ClientAuth.NONE, c.tls().clientAuth(), "a CA file alone asks for nothing, as upstream");
        assertTrue(c.warnings().stream().noneMatch(w -> w.contains("security.tls")), c.warnings().toString());
    }

    @Test
    void environmentVariablesFollowTheKeyPaths() {
        BrokerConfig c = BrokerConfig.load(null, Map.of("FLYMQ_SECURITY_TLS_ENABLED", "true",
                "FLYMQ_SECURITY_TLS_AUTO_GENERATE", "true", "FLYMQ_SECURITY_TLS_ADDR", ":9443"), Map.of());
        assertTrue(c.tls().usesGeneratedCertificate());
        assertTrue(c.tls().separateListener());
        assertEquals(9443, c.tlsPort());
    }

    @Test
    void certificateFilesWinOverAutoGeneration() {
        BrokerConfig.Tls t = load("security.tls_enabled", "true", "security.tls_auto_generate", "true",
                "security.tls_cert_file", "s.crt", "security.tls_key_file", "s.key").tls();
        assertFalse(t.usesGeneratedCertificate());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "security.tls_enabled=true,security.tls_cert_file=a.crt | found only the certificate file",
        "security.tls_enabled=true,security.tls_key_file=a.key | found only the key file",
        "security.tls_addr=:9443 | needs 'security.tls_enabled' true",
        "security.tls_enabled=true,security.tls_auto_generate=true,security.tls_client_auth=require "
                + "| needs 'security.tls_ca_file'",
        "security.tls_enabled=true,security.tls_auto_generate=true,security.tls_client_auth=request "
                + "| needs 'security.tls_ca_file'",
        "security.tls_enabled=true,security.tls_auto_generate=true,bind_addr=:9092,security.tls_addr=:9092 "
                + "| use the same port",
        "security.tls_client_auth=maybe | expected one of",
        "security.tls_enabled=true,security.tls_auto_generate=true,peers=n1@127.0.0.1:9093 "
                + "| could not verify each other's development certificates",
        "security.tls_handshake_timeout_ms=0 | invalid value for 'security.tls_handshake_timeout_ms'"})
    void combinationsThatCannotWorkAreRefusedNamingTheKeys(String settings, String expected) {
        String[] pairs = settings.strip().split("[,=]");
        ConfigException e = assertThrows(ConfigException.class, () -> load(pairs));
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
    }

    @Test
    void aClusterMayServeTlsOnBindAddrWithCertificatesFromOneCa() {
        BrokerConfig c = load("security.tls_enabled", "true", "security.tls_cert_file", "n1.crt",
                "security.tls_key_file", "n1.key", "security.tls_ca_file", "ca.crt", "peers", "n1@127.0.0.1:9093");
        assertTrue(c.tls().enabled());
        assertFalse(c.tls().separateListener());
    }

    @Test
    void tlsWithoutAnyCertificateServesPlaintextAsUpstreamDoesAndSaysSo() {
        BrokerConfig c = load("security.tls_enabled", "true");
        assertFalse(c.tls().enabled());
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("serving PLAINTEXT")), c.warnings().toString());
    }

    @Test
    void upstreamsGuideSpellingIsAcceptedWithAWarningThatNamesOurs() {
        BrokerConfig c = load("tls.enabled", "true");
        assertFalse(c.tls().enabled());
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("tls.enabled") && w.contains("security.tls_")),
                c.warnings().toString());
    }
}
