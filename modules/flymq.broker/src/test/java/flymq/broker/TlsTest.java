package flymq.broker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.server.ResponseTail;
import flymq.client.ConnectionException;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.client.PartitionFetch;
import flymq.client.ProducerRecord;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the client port: round trips, refusals, client certificates, two listeners, slow handshakes, reload. */
class TlsTest {
    @TempDir
    Path dir;

    private FlyMqClient.Builder tlsClient(TlsFixtures tls, int port) {
        return FlyMqClient.builder().bootstrap("127.0.0.1:" + port).tlsTrust(tls.caCert)
                .connectTimeout(Duration.ofSeconds(5));
    }

    private static void listTopicsFails(FlyMqClient.Builder b) {
        assertThrows(FlyMqException.class, () -> {
            try (FlyMqClient c = b.build()) {
                c.listTopics();
            }
        });
    }

    @Test
    void recordsGoRoundTripOverTlsIncludingBatchFetchWhichIsCopiedNotSentFromFiles() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), tls.serverFlags());
             FlyMqClient client = tlsClient(tls, broker.port()).build()) {
            client.createTopic("t", 1);
            client.produce("t", "hello".getBytes(UTF_8));
            assertEquals("hello", client.fetch("t", 0, 0, 10).records().getFirst().valueAsString());

            byte[] big = new byte[300_000];
            Arrays.fill(big, (byte) 'x');
            try (var producer = new flymq.client.FlyMqProducer(client, flymq.client.ProducerConfig.defaults())) {
                for (int i = 0; i < 20; i++) {
                    producer.send(ProducerRecord.of("t", big));
                }
                producer.flush();
            }
            long copiedBefore = ResponseTail.bytesCopiedToHeap();
            long sentBefore = ResponseTail.bytesSentFromFiles();
            List<PartitionFetch> fetched = client.batchFetch("t", List.of(new FetchPosition(0, 1)), 8 << 20);
            int records = fetched.getFirst().records().size();
            assertEquals(20, records);
            fetched.getFirst().records().forEach(m -> assertArrayEquals(big, m.value()));
            assertTrue(ResponseTail.bytesCopiedToHeap() - copiedBefore >= 20L * big.length,
                    "BATCH_FETCH over TLS copies the stored records through the heap");
            assertEquals(sentBefore, ResponseTail.bytesSentFromFiles(), "nothing was sent from files over TLS");
        }
    }

    @Test
    void theServerCertificateMustNameTheHostUnlessVerificationIsOff() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), tls.serverFlags())) {
            try (FlyMqClient byName = FlyMqClient.builder().bootstrap("localhost:" + broker.port())
                    .tlsTrust(tls.caCert).build()) {
                byName.listTopics();
            }
            // a certificate for other names only: refused, unless the client opts out of the host name check
            tls.ca.issue("elsewhere", List.of("elsewhere.example"), flymq.broker.tls.CertificateAuthority.KeyType.EC,
                    TlsFixtures.VALIDITY).write(tls.serverCert, tls.serverKey);
            broker.restart();
            listTopicsFails(tlsClient(tls, broker.port()));
            try (FlyMqClient c = tlsClient(tls, broker.port()).tlsVerifyHostname(false).build()) {
                c.listTopics();
            }
        }
    }

    @Test
    void aServerTheClientDoesNotTrustIsRefusedAndInsecureModeConnectsAnyway() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), tls.serverFlags())) {
            ConnectionException e = assertThrows(ConnectionException.class, () -> FlyMqClient.builder()
                    .bootstrap("127.0.0.1:" + broker.port()).tlsTrust(tls.rogueCaCert).build());
            assertTrue(e.getMessage().contains("TLS handshake failed"), e.getMessage());
            try (FlyMqClient c = FlyMqClient.builder().bootstrap("127.0.0.1:" + broker.port()).tlsInsecure()
                    .build()) {
                c.listTopics();
            }
        }
    }

    @Test
    void plaintextAndTlsDoNotMixOnOnePort() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker tlsBroker = TestBroker.start(dir.resolve("tls"), tls.serverFlags());
             TestBroker plainBroker = TestBroker.start(dir.resolve("plain"))) {
            listTopicsFails(FlyMqClient.builder().bootstrap("127.0.0.1:" + tlsBroker.port()));
            ConnectionException e = assertThrows(ConnectionException.class,
                    () -> tlsClient(tls, plainBroker.port()).build());
            assertTrue(e.getMessage().contains("TLS handshake failed"), e.getMessage());
        }
    }

    @Test
    void requiredClientCertificatesRefuseClientsWithoutOneOrWithOneFromAnotherCa() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), tls.serverFlags(
                "security.tls_ca_file", tls.caCert.toString(), "security.tls_client_auth", "require"))) {
            listTopicsFails(tlsClient(tls, broker.port()));
            listTopicsFails(tlsClient(tls, broker.port()).tlsClientCertificate(tls.rogueClientCert,
                    tls.rogueClientKey));
            try (FlyMqClient c = tlsClient(tls, broker.port()).tlsClientCertificate(tls.clientCert, tls.clientKey)
                    .build()) {
                c.createTopic("m", 1);
                assertEquals(List.of("m"), c.listTopics());
            }
            // the official Java SDK's TLS 1.2 context: refused in the handshake itself
            // (a refusal may also show as a reset: the broker closes right after its alert)
            broker.clientTls = tls.sdkContext(null, null);
            assertThrows(IOException.class, broker::client);
            broker.clientTls = tls.sdkContext(tls.rogueClientCert, tls.rogueClientKey);
            assertThrows(IOException.class, broker::client);
            broker.clientTls = tls.sdkContext(tls.clientCert, tls.clientKey);
            try (WireClient w = broker.client()) {
                assertEquals("TLSv1.2", ((SSLSocket) w.socket).getSession().getProtocol());
                assertTrue(!w.createTopic("sdk", 1).isError());
            }
        }
    }

    @Test
    void requestedClientCertificatesServeClientsWithoutOne() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), tls.serverFlags(
                "security.tls_ca_file", tls.caCert.toString(), "security.tls_client_auth", "request"))) {
            try (FlyMqClient c = tlsClient(tls, broker.port()).build()) {
                c.listTopics();
            }
            // a JSSE client offers only a certificate of a CA the broker names, so it sends none here and is served
            // as one without; a client that sends an untrusted one anyway is refused (TlsOpensslTest)
            try (FlyMqClient c = tlsClient(tls, broker.port()).tlsClientCertificate(tls.rogueClientCert,
                    tls.rogueClientKey).build()) {
                c.listTopics();
            }
            try (FlyMqClient c = tlsClient(tls, broker.port()).tlsClientCertificate(tls.clientCert, tls.clientKey)
                    .build()) {
                c.listTopics();
            }
        }
    }

    @Test
    void plaintextAndTlsListenersServeTheSameBrokerSideBySide() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"),
                tls.serverFlags("security.tls_addr", "127.0.0.1:0"))) {
            int tlsPort = broker.node.tlsPort().orElseThrow();
            assertTrue(tlsPort != broker.port());
            try (FlyMqClient plain = FlyMqClient.connect("127.0.0.1:" + broker.port());
                 FlyMqClient secure = tlsClient(tls, tlsPort).build()) {
                plain.produce("shared", "from plaintext".getBytes(UTF_8));
                secure.produce("shared", "from tls".getBytes(UTF_8));
                assertEquals(List.of("from plaintext", "from tls"), secure.fetch("shared", 0, 0, 10).records()
                        .stream().map(m -> m.valueAsString()).toList());
                assertEquals(2, plain.fetch("shared", 0, 0, 10).records().size());
            }
        }
    }

    @Test
    void connectionsOnBothListenersCountAgainstOneConnectionLimit() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"),
                tls.serverFlags("security.tls_addr", "127.0.0.1:0", "network.max_connections", "2"));
             FlyMqClient plain = FlyMqClient.connect("127.0.0.1:" + broker.port());
             FlyMqClient secure = tlsClient(tls, broker.node.tlsPort().orElseThrow()).build()) {
            plain.listTopics();
            secure.listTopics();
            listTopicsFails(tlsClient(tls, broker.node.tlsPort().orElseThrow()));
            listTopicsFails(FlyMqClient.builder().bootstrap("127.0.0.1:" + broker.port()));
        }
    }

    @Test
    void aClientThatNeverHandshakesIsClosedAfterTheTimeoutWithoutHoldingUpOthers() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"),
                tls.serverFlags("security.tls_handshake_timeout_ms", "300"));
             Socket silent = new Socket()) {
            silent.connect(new InetSocketAddress("127.0.0.1", broker.port()), 5000);
            // a second silent one sending half a ClientHello: also only its own thread waits
            try (Socket half = new Socket()) {
                half.connect(new InetSocketAddress("127.0.0.1", broker.port()), 5000);
                half.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
                try (FlyMqClient c = tlsClient(tls, broker.port()).build()) {
                    c.listTopics();
                }
                assertClosedByBroker(half);
            }
            assertClosedByBroker(silent);
        }
    }

    /** Reads until the broker closes; the socket timeout only bounds a broken test, it synchronises nothing. */
    private static void assertClosedByBroker(Socket s) throws IOException {
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        long start = System.nanoTime();
        try {
            while (in.read() >= 0) {
                // the broker may send an alert first; what matters is the end of the stream
            }
        } catch (java.net.SocketException reset) {
            // closed with a reset: closed all the same
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 20, "not closed by the broker");
    }

    @Test
    void aRenewedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        try (TestBroker broker = TestBroker.start(dir.resolve("data"),
                tls.serverFlags("security.tls_reload_interval_ms", "20"));
             FlyMqClient before = tlsClient(tls, broker.port()).build()) {
            assertEquals("server-1", servedName(tls, broker.port()));
            tls.ca.issue("server-2", List.of("localhost", "127.0.0.1"),
                    flymq.broker.tls.CertificateAuthority.KeyType.EC, TlsFixtures.VALIDITY)
                    .write(tls.serverCert, tls.serverKey);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String served = "server-1";
            while (!served.equals("server-2") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                served = servedName(tls, broker.port());
            }
            assertEquals("server-2", served);
            before.listTopics(); // the connection made before the reload is still served
        }
    }

    /** The CN of the certificate a fresh connection is served. */
    static String servedName(TlsFixtures tls, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) tls.sdkContext(null, null).getSocketFactory().createSocket("127.0.0.1",
                port)) {
            s.startHandshake();
            X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
            String dn = leaf.getSubjectX500Principal().getName();
            return dn.replaceAll(".*CN=([^,]+).*", "$1");
        }
    }
}
