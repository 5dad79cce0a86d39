package flymq.cli.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.protocol.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `flymq security init` and the TLS options every client command takes. */
class SecurityCommandsTest {
    @TempDir
    Path dir;

    @Test
    void initWritesACaNodeAndClientCertificatesAndReusesTheCaLater() throws Exception {
        Path certs = dir.resolve("certs");
        Cli.Result r = Cli.run("security", "init", "--dir", certs.toString(), "--nodes", "n1,n2",
                "--hosts", "broker.example,10.0.0.7");
        assertEquals(ExitCode.OK, r.code(), r.err());
        X509Certificate ca = Pem.readCertificates(certs.resolve("ca.crt")).getFirst();
        for (String f : new String[] {"n1", "n2", "client"}) {
            X509Certificate c = Pem.readCertificates(certs.resolve(f + ".crt")).getFirst();
            c.verify(ca.getPublicKey());
            Pem.readPrivateKey(certs.resolve(f + ".key"));
            if (Files.getFileStore(certs).supportsFileAttributeView("posix")) {
                assertEquals("rw-------", PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(certs.resolve(f + ".key"))));
            }
        }
        var names = Pem.readCertificates(certs.resolve("n1.crt")).getFirst().getSubjectAlternativeNames().stream()
                .map(n -> String.valueOf(n.get(1))).toList();
        assertTrue(names.containsAll(java.util.List.of("n1", "broker.example", "10.0.0.7", "localhost")),
                names.toString());

        Cli.Result again = Cli.run("security", "init", "--dir", certs.toString(), "--nodes", "n3", "--client", "");
        assertEquals(ExitCode.OK, again.code(), again.err());
        assertTrue(again.out().contains("reused"), again.out());
        Pem.readCertificates(certs.resolve("n3.crt")).getFirst().verify(ca.getPublicKey());
    }

    @Test
    void badNodeIdsAreUsageErrors() {
        Cli.Result r = Cli.run("security", "init", "--dir", dir.toString(), "--nodes", "../evil");
        assertEquals(ExitCode.USAGE, r.code());
        assertTrue(r.err().contains("bad --nodes entry"), r.err());
    }

    @Test
    void clientCommandsConnectOverTlsWithMutualCertificates() throws Exception {
        Path certs = dir.resolve("certs");
        assertEquals(ExitCode.OK, Cli.run("security", "init", "--dir", certs.toString(), "--nodes", "n1").code());
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), Map.of(
                "security.tls_enabled", "true",
                "security.tls_cert_file", certs.resolve("n1.crt").toString(),
                "security.tls_key_file", certs.resolve("n1.key").toString(),
                "security.tls_ca_file", certs.resolve("ca.crt").toString(),
                "security.tls_client_auth", "require"))) {
            String ca = "--tls-ca=" + certs.resolve("ca.crt");
            String cert = "--tls-cert=" + certs.resolve("client.crt");
            String key = "--tls-key=" + certs.resolve("client.key");

            Cli.Result created = broker.run("topic", "create", "secure", ca, cert, key);
            assertEquals(ExitCode.OK, created.code(), created.err());
            Cli.Result listed = broker.run("topic", "list", ca, cert, key);
            assertEquals(ExitCode.OK, listed.code(), listed.err());
            assertTrue(listed.out().contains("secure"), listed.out());

            assertTrue(broker.run("topic", "list", ca).code() != ExitCode.OK, "no client certificate: refused");
            assertTrue(broker.run("topic", "list").code() != ExitCode.OK, "plaintext: refused");
            Cli.Result half = broker.run("topic", "list", ca, cert);
            assertEquals(ExitCode.USAGE, half.code());
            assertTrue(half.err().contains("--tls-key"), half.err());
            Cli.Result missing = broker.run("topic", "list", "--tls-ca=" + dir.resolve("nope.crt"));
            assertEquals(ExitCode.USAGE, missing.code());
            assertTrue(missing.err().contains("nope.crt"), missing.err());
        }
    }

    @Test
    void insecureConnectsToAnUntrustedBroker() {
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), Map.of(
                "security.tls_enabled", "true", "security.tls_auto_generate", "true"))) {
            assertTrue(broker.run("topic", "list", "--tls").code() != ExitCode.OK,
                    "the development CA is in no trust store");
            Cli.Result r = broker.run("topic", "list", "--insecure");
            assertEquals(ExitCode.OK, r.code(), r.err());
            Cli.Result trusted = broker.run("topic", "list",
                    "--tls-ca=" + dir.resolve("data").resolve("tls").resolve("ca.crt"));
            assertEquals(ExitCode.OK, trusted.code(), trusted.err());
        }
    }
}
