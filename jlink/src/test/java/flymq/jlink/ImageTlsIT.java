package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linked image's development TLS as a user meets it: {@code flymq server start --tls} makes a CA and a server
 * certificate under the data directory (made with the JDK alone), and every client command of the same
 * image connects with {@code --tls-ca DATA_DIR/tls/ca.crt}; plaintext and untrusted clients are refused.
 */
class ImageTlsIT {
    private static final Path FLYMQ = ImageProcess.image().resolve("bin/flymq");

    @Test
    void serverStartTlsJustWorksWithTheGeneratedCa(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        ImageProcess.Server server = ImageProcess.startServer("broker with --tls", "--tls",
                "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
        try {
            assertTrue(server.readyLine().endsWith(", tls 127.0.0.1:" + server.port()), server.readyLine());
            Path ca = data.resolve("tls/ca.crt");
            assertTrue(Files.exists(ca), "no " + ca);
            if (Files.getFileStore(data).supportsFileAttributeView("posix")) {
                assertEquals("rw-------", PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(data.resolve("tls/server.key"))));
            }
            String target = "--server=127.0.0.1:" + server.port();
            String trust = "--tls-ca=" + ca;

            var created = ImageProcess.run(Map.of(), FLYMQ, target, trust, "topic", "create", "secured");
            assertEquals(0, created.exit(), created.out());
            var produced = ImageProcess.run(Map.of(), FLYMQ, target, trust, "produce", "secured", "over tls");
            assertEquals(0, produced.exit(), produced.out());
            var consumed = ImageProcess.run(Map.of(), FLYMQ, target, trust, "consume", "secured", "--from",
                    "earliest", "-n", "1");
            assertEquals(0, consumed.exit(), consumed.out());
            assertTrue(consumed.out().contains("over tls"), consumed.out());

            var plain = ImageProcess.run(Map.of(), FLYMQ, target, "topic", "list");
            assertNotEquals(0, plain.exit(), plain.out());
            var untrusted = ImageProcess.run(Map.of(), FLYMQ, target, "--tls", "topic", "list");
            assertNotEquals(0, untrusted.exit(), untrusted.out());
            var viaEnv = ImageProcess.run(Map.of("FLYMQ_TLS_CA_FILE", ca.toString()), FLYMQ, target, "topic",
                    "list");
            assertEquals(0, viaEnv.exit(), viaEnv.out());
            assertTrue(viaEnv.out().contains("secured"), viaEnv.out());
        } finally {
            server.process().destroy();
            assertTrue(server.process().waitFor(30, TimeUnit.SECONDS), "the broker did not stop on SIGTERM");
        }
    }
}
