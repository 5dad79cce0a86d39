package flymq.broker.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.DataDirLayout;
import flymq.protocol.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** security.tls_auto_generate: a development CA and server certificate under the data directory. */
class DevTlsTest {
    @TempDir
    Path dir;

    @Test
    void firstStartMakesACaAndAServerCertificateItSignedWithOwnerOnlyKeys() throws Exception {
        DataDirLayout layout = new DataDirLayout(dir);
        DevTls.ensure(layout, List.of("broker.example"));

        X509Certificate ca = Pem.readCertificates(layout.tlsCaCertFile()).getFirst();
        X509Certificate server = Pem.readCertificates(layout.tlsServerCertFile()).getFirst();
        server.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate is a CA");
        assertEquals(-1, server.getBasicConstraints(), "the server certificate is not");
        List<String> names = server.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1)))
                .toList();
        assertTrue(names.containsAll(List.of("localhost", "127.0.0.1", "broker.example")), names.toString());
        ServerTls.load(layout.tlsServerCertFile(), layout.tlsServerKeyFile(), null,
                flymq.protocol.tls.TlsContexts.ClientAuth.NONE, java.time.Duration.ofSeconds(1));
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.tlsDir())));
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(layout.tlsCaKeyFile())));
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(layout.tlsServerKeyFile())));
        }
    }

    @Test
    void laterStartsReuseTheFilesSoClientsKeepTrustingThem() throws Exception {
        DataDirLayout layout = new DataDirLayout(dir);
        DevTls.ensure(layout, List.of());
        byte[] ca = Files.readAllBytes(layout.tlsCaCertFile());
        byte[] server = Files.readAllBytes(layout.tlsServerCertFile());

        DevTls.ensure(layout, List.of());

        assertArrayEquals(ca, Files.readAllBytes(layout.tlsCaCertFile()));
        assertArrayEquals(server, Files.readAllBytes(layout.tlsServerCertFile()));
    }

    @Test
    void aMissingServerCertificateOrANewHostNameIsIssuedAgainByTheSameCa() throws Exception {
        DataDirLayout layout = new DataDirLayout(dir);
        DevTls.ensure(layout, List.of());
        byte[] ca = Files.readAllBytes(layout.tlsCaCertFile());
        byte[] server = Files.readAllBytes(layout.tlsServerCertFile());

        DevTls.ensure(layout, List.of("new-name.example"));
        byte[] renamed = Files.readAllBytes(layout.tlsServerCertFile());
        assertFalse(java.util.Arrays.equals(server, renamed));
        Files.delete(layout.tlsServerCertFile());
        DevTls.ensure(layout, List.of("new-name.example"));

        assertArrayEquals(ca, Files.readAllBytes(layout.tlsCaCertFile()));
        Pem.readCertificates(layout.tlsServerCertFile()).getFirst()
                .verify(Pem.readCertificates(layout.tlsCaCertFile()).getFirst().getPublicKey());
    }
}
