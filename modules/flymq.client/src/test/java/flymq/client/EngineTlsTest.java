package flymq.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.tls.TlsContexts;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's TLS over {@link javax.net.ssl.SSLEngine}, against a JSSE server socket (the broker's kind): bytes
 * come back exactly whatever the sizes of writes and reads (records split across socket reads, several records per
 * read, decrypted into the caller's array or through the buffer), with TLS 1.3 and 1.2 and reads and writes
 * overlapping on two threads; a server's close ends the stream; a server that is not TLS fails the handshake.
 */
class EngineTlsTest {
    @TempDir
    static Path dir;

    private static SSLContext serverContext;
    private static SSLContext clientContext;

    /** A self-signed certificate for 127.0.0.1, made with the JDK's keytool (the JDK has no API that makes one). */
    @BeforeAll
    static void certificate() throws Exception {
        Path store = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype",
                "PKCS12", "-keystore", store.toString(), "-storepass", "test-pass").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, output);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "test-pass".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "test-pass".toCharArray());
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        clientContext = TlsContexts.client(List.of((X509Certificate) ks.getCertificate("server")), null, null, false);
    }

    /** A JSSE server that echoes everything it reads, then closes; speaks only {@code protocol}. */
    private static SSLServerSocket echoServer(String protocol) throws IOException {
        SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setSSLParameters(TlsContexts.serverParameters(serverContext, TlsContexts.ClientAuth.NONE));
        server.setEnabledProtocols(new String[] {protocol});
        Thread.ofPlatform().daemon().start(() -> {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[40_000];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                }
            } catch (IOException ignored) {
                // the test sees what it got
            }
        });
        return server;
    }

    private static EngineTls connect(int port) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        return EngineTls.connect(plain, "127.0.0.1", clientContext, true, Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void bytesComeBackExactlyWhateverTheSizesOfWritesAndReads(String protocol) throws Exception {
        byte[] sent = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(sent);
        try (SSLServerSocket server = echoServer(protocol)) {
            EngineTls tls = connect(server.getLocalPort());
            // the reader overlaps the writer, as a pipelined connection's reader thread does
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                byte[] got = new byte[sent.length];
                int[] sizes = {1, 7, 16_384, 100_000, 3, 65_536, 20_000};
                try {
                    InputStream in = tls.input();
                    for (int at = 0, i = 0; at < got.length; i++) {
                        int n = in.read(got, at, Math.min(sizes[i % sizes.length], got.length - at));
                        if (n < 0) {
                            break;
                        }
                        at += n;
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return got;
            });
            int[] writes = {65_536, 1, 300, 16_384, 16_385, 200_000, 5};
            OutputStream out = tls.output();
            for (int at = 0, i = 0; at < sent.length; i++) {
                int n = Math.min(writes[i % writes.length], sent.length - at);
                out.write(sent, at, n);
                at += n;
            }
            assertArrayEquals(sent, received.get(30, TimeUnit.SECONDS));
            tls.closeOutbound();
        }
    }

    @Test
    void theServersCloseEndsTheStreamAndBufferedBytesAreSeenAsAvailable() throws Exception {
        try (SSLServerSocket server = echoServer("TLSv1.3")) {
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 5_000);
            EngineTls tls = EngineTls.connect(plain, "127.0.0.1", clientContext, true, Duration.ofSeconds(10));
            tls.output().write(new byte[] {1, 2, 3});
            DataInputStream in = new DataInputStream(tls.input());
            assertEquals(1, in.readByte());
            assertTrue(tls.available() > 0, "the two bytes decrypted with the first are available");
            assertEquals(2, in.readByte());
            assertEquals(3, in.readByte());
            plain.shutdownOutput(); // the echo server reads the end and closes with close_notify
            assertEquals(-1, in.read());
            plain.close();
        }
    }

    @Test
    void aServerThatIsNotTlsFailsTheHandshake() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().read(new byte[5]);
                    s.getOutputStream().write("FLYMQ plaintext answer".getBytes());
                } catch (IOException ignored) {
                    // the client's error is what is tested
                }
            });
            assertThrows(javax.net.ssl.SSLException.class, () -> connect(server.getLocalPort()));
        }
    }
}
