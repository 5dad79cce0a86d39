package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which listeners the start-up warning names. */
class ExposureTest {
    @TempDir
    Path dir;

    private static Map<String, String> loopbackOnly() {
        Map<String, String> f = new HashMap<>();
        f.put("bind_addr", "127.0.0.1:9092");
        f.put("observability.metrics.addr", "127.0.0.1:9094");
        f.put("observability.health.addr", "localhost:9095");
        return f;
    }

    private static Optional<String> warning(Map<String, String> flags) {
        return BrokerConfig.load(null, Map.of(), flags).exposureWarning();
    }

    @Test
    void theDefaultsListenOnEveryInterfaceAndAreNamedInOneLine() {
        String w = BrokerConfig.defaults().exposureWarning().orElseThrow();
        assertTrue(w.startsWith("listening without authentication on non-loopback addresses: client :9092, "
                + "metrics :9094, health :9095;"), w);
    }

    @Test
    void loopbackListenersAreNotNamed() {
        assertEquals(Optional.empty(), warning(loopbackOnly()));
        Map<String, String> f = loopbackOnly();
        f.put("bind_addr", "[::1]:9092");
        assertEquals(Optional.empty(), warning(f));
    }

    @Test
    void aClientPortOnAnotherInterfaceIsNamed() {
        Map<String, String> f = loopbackOnly();
        f.put("bind_addr", "0.0.0.0:9092");
        assertEquals("client 0.0.0.0:9092", named(warning(f).orElseThrow()));
    }

    @Test
    void aClusterPortWithoutASecretIsNamedAndWithOneIsNot() throws Exception {
        Map<String, String> f = loopbackOnly();
        f.put("node_id", "n1");
        f.put("cluster_addr", "0.0.0.0:9093");
        f.put("peers", "n1@10.0.0.1:9093,n2@10.0.0.2:9093");
        assertEquals("cluster 0.0.0.0:9093 (no cluster secret or mutual TLS)", named(warning(f).orElseThrow()));
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "sixteen bytes or more of secret");
        f.put("cluster.secret_file", secret.toString());
        assertEquals(Optional.empty(), warning(f));
    }

    @Test
    void aClusterPortUnderMutualTlsIsNotNamed() {
        Map<String, String> f = loopbackOnly();
        f.put("node_id", "n1");
        f.put("cluster_addr", "0.0.0.0:9093");
        f.put("peers", "n1@10.0.0.1:9093,n2@10.0.0.2:9093");
        f.put("cluster.tls_enabled", "true");
        f.put("cluster.tls_cert_file", "n1.crt");
        f.put("cluster.tls_key_file", "n1.key");
        f.put("cluster.tls_ca_file", "ca.crt");
        assertEquals(Optional.empty(), warning(f));
    }

    @Test
    void theAdminApiAndMetricsOnOtherInterfacesAreNamed() {
        Map<String, String> f = loopbackOnly();
        f.put("observability.admin.enabled", "true");
        f.put("observability.admin.addr", ":9096");
        f.put("observability.metrics.addr", "0.0.0.0:9094");
        assertEquals("metrics 0.0.0.0:9094, admin :9096", named(warning(f).orElseThrow()));
        f.put("observability.metrics.enabled", "false");
        assertFalse(warning(f).orElseThrow().contains("metrics"));
    }

    @Test
    void clientsWhoMustLogInAreNotNamedAndAnonymousAccessIsSaid() {
        Map<String, String> f = loopbackOnly();
        f.put("bind_addr", "0.0.0.0:9092");
        f.put("observability.admin.enabled", "true");
        f.put("observability.admin.addr", "0.0.0.0:9096");
        f.put("auth.enabled", "true");
        f.put("auth.admin_password", "a long enough password");
        assertEquals(Optional.empty(), warning(f));
        f.put("auth.allow_anonymous", "true");
        assertEquals("client 0.0.0.0:9092 (anonymous access allowed)", named(warning(f).orElseThrow()));
    }

    @Test
    void mutualTlsOnTheClientPortCountsAsAuthentication() throws Exception {
        Map<String, String> f = loopbackOnly();
        f.put("bind_addr", "0.0.0.0:9092");
        f.put("security.tls_enabled", "true");
        f.put("security.tls_auto_generate", "true");
        f.put("security.tls_ca_file", dir.resolve("ca.crt").toString());
        f.put("security.tls_client_auth", "require");
        assertEquals(Optional.empty(), warning(f));
        f.put("security.tls_client_auth", "none");
        assertEquals("client 0.0.0.0:9092", named(warning(f).orElseThrow()));
    }

    private static String named(String warning) {
        String prefix = "listening without authentication on non-loopback addresses: ";
        assertTrue(warning.startsWith(prefix), warning);
        return warning.substring(prefix.length(), warning.indexOf(';'));
    }
}
