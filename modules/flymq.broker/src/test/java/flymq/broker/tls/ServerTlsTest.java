package flymq.broker.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.tls.CertificateAuthority.KeyType;
import flymq.protocol.tls.TlsContexts.ClientAuth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, refusing and reloading the PEM files of a TLS listener. */
class ServerTlsTest {
    private static final Duration DAYS = Duration.ofDays(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    CertificateAuthority ca;
    Path cert;
    Path key;
    final List<LogRecord> warnings = new ArrayList<>();
    final Logger jul = Logger.getLogger(ServerTls.class.getName());
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (warnings) {
                    warnings.add(r);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void files() throws IOException {
        ca = CertificateAuthority.create("ca", KeyType.EC, DAYS);
        cert = dir.resolve("server.crt");
        key = dir.resolve("server.key");
        issue("one");
        jul.addHandler(capture);
    }

    @AfterEach
    void detach() {
        jul.removeHandler(capture);
    }

    private void issue(String name) throws IOException {
        ca.issue(name, List.of("localhost"), KeyType.EC, DAYS).write(cert, key);
    }

    private static String cn(ServerTls tls) {
        return tls.certificate().getSubjectX500Principal().getName().replaceAll(".*CN=([^,]+).*", "$1");
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsRefusedNamingBothFiles() throws IOException {
        Path otherKey = dir.resolve("other.key");
        ca.issue("other", List.of(), KeyType.EC, DAYS).write(dir.resolve("other.crt"), otherKey);

        IOException e = assertThrows(IOException.class,
                () -> ServerTls.load(cert, otherKey, null, ClientAuth.NONE, TIMEOUT));
        assertTrue(e.getMessage().contains("does not belong") && e.getMessage().contains(cert.toString())
                && e.getMessage().contains(otherKey.toString()), e.getMessage());
    }

    @Test
    void clientCertificatesCannotBeAskedForWithoutACaFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerTls.load(cert, key, null, ClientAuth.REQUIRE, TIMEOUT));
        assertTrue(e.getMessage().contains("CA file"), e.getMessage());
    }

    @Test
    void unchangedFilesAreNotReloaded() throws IOException {
        ServerTls tls = ServerTls.load(cert, key, null, ClientAuth.NONE, TIMEOUT);
        assertFalse(tls.reloadIfChanged());
        assertEquals("one", cn(tls));
    }

    @Test
    void rewrittenFilesAreReloaded() throws IOException {
        ServerTls tls = ServerTls.load(cert, key, null, ClientAuth.NONE, TIMEOUT);
        var before = tls.context();
        issue("two");

        assertTrue(tls.reloadIfChanged());
        assertEquals("two", cn(tls));
        assertTrue(before != tls.context(), "a new context for new connections");
        assertEquals(List.of(), warnings);
    }

    @Test
    void aBrokenSetKeepsTheOldCertificateAndWarnsOnceUntilItChangesAgain() throws IOException {
        ServerTls tls = ServerTls.load(cert, key, null, ClientAuth.NONE, TIMEOUT);
        // a renewal caught half-way: the new certificate is there, its key is not yet
        ca.issue("two", List.of("localhost"), KeyType.EC, DAYS).write(cert, dir.resolve("two.key"));

        assertFalse(tls.reloadIfChanged());
        assertFalse(tls.reloadIfChanged());
        assertEquals("one", cn(tls));
        assertEquals(1, warnings.size(), "one WARN for one broken set");
        assertTrue(warnings.getFirst().getMessage().contains("still serving"), warnings.getFirst().getMessage());

        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
        assertFalse(tls.reloadIfChanged());
        assertEquals(2, warnings.size(), "a new broken set is reported again");

        Files.move(dir.resolve("two.key"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(tls.reloadIfChanged(), "the completed renewal is picked up");
        assertEquals("two", cn(tls));
    }

    @Test
    void deletedFilesKeepTheOldCertificate() throws IOException {
        ServerTls tls = ServerTls.load(cert, key, null, ClientAuth.NONE, TIMEOUT);
        Files.delete(cert);
        assertFalse(tls.reloadIfChanged());
        assertFalse(tls.reloadIfChanged());
        assertEquals("one", cn(tls));
        assertEquals(1, warnings.size());
    }
}
