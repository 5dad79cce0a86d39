package flymq.broker.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.tls.CertificateAuthority.KeyType;
import flymq.protocol.tls.Pem;
import flymq.protocol.tls.TlsContexts;
import flymq.protocol.tls.TlsContexts.ClientAuth;
import flymq.raft.RaftMember;
import flymq.raft.transport.ClusterAuth;
import flymq.raft.transport.ClusterTls;
import flymq.raft.transport.TcpClusterTransport;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.message.RaftMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on the cluster transport ({@code cluster.tls_*}): nodes with certificates from the cluster CA exchange
 * Raft messages (with and without the cluster secret on top); a peer with a certificate from another CA, with none,
 * or without TLS, gets nothing in and counts as an authentication failure; an honest node does not send to a peer
 * whose certificate is not from the cluster CA either.
 */
class ClusterMutualTlsTest {
    private static final ClusterAuth SECRET = ClusterAuth.sharedSecret(
            "the cluster's own secret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private final DefaultRaftModelFactory factory = new DefaultRaftModelFactory();
    private final List<TcpClusterTransport> transports = new ArrayList<>();
    private final List<RaftMessage> received = new CopyOnWriteArrayList<>();
    private ClusterTls nodeA;
    private ClusterTls nodeB;
    private ClusterTls rogue;

    @BeforeEach
    void certificates() throws IOException {
        Duration year = Duration.ofDays(365);
        CertificateAuthority cluster = CertificateAuthority.create("FlyMQ test cluster CA", KeyType.EC, year);
        CertificateAuthority other = CertificateAuthority.create("FlyMQ other CA", KeyType.EC, year);
        cluster.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        other.write(dir.resolve("other-ca.crt"), dir.resolve("other-ca.key"));
        nodeA = node(cluster, "a", "ca.crt");
        nodeB = node(cluster, "b", "ca.crt");
        // valid TLS, the right host names, trusting the cluster CA too: only its issuer is wrong
        Files.copy(dir.resolve("ca.crt"), dir.resolve("both.crt"));
        Files.writeString(dir.resolve("both.crt"), Files.readString(dir.resolve("other-ca.crt")),
                java.nio.file.StandardOpenOption.APPEND);
        rogue = node(other, "rogue", "both.crt");
    }

    private ClusterTls node(CertificateAuthority ca, String name, String trusted) throws IOException {
        ca.issue(name, List.of("localhost", "127.0.0.1"), KeyType.EC, Duration.ofDays(1))
                .write(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        return ServerTls.load(dir.resolve(name + ".crt"), dir.resolve(name + ".key"), dir.resolve(trusted),
                ClientAuth.REQUIRE, Duration.ofSeconds(5)).forCluster();
    }

    @AfterEach
    void close() {
        transports.forEach(TcpClusterTransport::close);
    }

    private TcpClusterTransport bind(ClusterAuth auth) throws IOException {
        TcpClusterTransport t = TcpClusterTransport.bind(new InetSocketAddress("127.0.0.1", 0),
                TcpClusterTransport.Limits.DEFAULT, auth);
        transports.add(t);
        return t;
    }

    private TcpClusterTransport receiver(ClusterAuth auth) throws IOException {
        TcpClusterTransport t = bind(auth);
        t.register("g", received::add);
        return t;
    }

    private static RaftMember member(TcpClusterTransport t) {
        return new RaftMember("r", "127.0.0.1:" + t.localAddress().getPort());
    }

    private RaftMessage vote(int term) {
        return factory.createVoteRequestBuilder().setGroupId("g").setSender(new RaftMember("s", "127.0.0.1:1"))
                .setTerm(term).setLastLogTerm(0).setLastLogIndex(0).setSticky(false).build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Sends until the receiver has refused at least {@code failures} connections (the sender reconnects). */
    private void sendUntilRefused(TcpClusterTransport from, TcpClusterTransport to, long failures)
            throws InterruptedException {
        await("the refusal", () -> {
            from.send(member(to), vote(1000));
            return to.stats().authFailures() >= failures;
        });
    }

    @Test
    void nodesWithCertificatesFromTheClusterCaExchangeMessages() throws Exception {
        TcpClusterTransport b = receiver(ClusterAuth.NONE.withTls(nodeB));
        TcpClusterTransport a = bind(ClusterAuth.NONE.withTls(nodeA));
        for (int i = 1; i <= 3; i++) {
            a.send(member(b), vote(i));
        }
        await("three messages", () -> received.size() == 3);
        assertEquals(List.of(1, 2, 3), received.stream().map(RaftMessage::getTerm).toList());
        assertEquals(0, a.stats().authFailures() + b.stats().authFailures());
    }

    @Test
    void theClusterSecretWorksInsideMutualTls() throws Exception {
        TcpClusterTransport b = receiver(SECRET.withTls(nodeB));
        TcpClusterTransport a = bind(SECRET.withTls(nodeA));
        a.send(member(b), vote(7));
        await("the message", () -> received.size() == 1);
        assertEquals(0, a.stats().authFailures() + b.stats().authFailures());
        assertTrue(SECRET.withTls(nodeA).toString().contains("shared secret, mutual TLS"));
    }

    @Test
    void aPeerWithACertificateFromAnotherCaGetsNothingIn() throws Exception {
        TcpClusterTransport honest = receiver(SECRET.withTls(nodeB));
        // it even holds the secret: the certificate alone keeps it out
        TcpClusterTransport intruder = bind(SECRET.withTls(rogue));
        sendUntilRefused(intruder, honest, 3);
        // an honest peer still gets through afterwards, and only its message arrives
        TcpClusterTransport a = bind(SECRET.withTls(nodeA));
        a.send(member(honest), vote(5));
        await("the honest message", () -> received.size() == 1);
        assertEquals(5, received.getFirst().getTerm());
        assertEquals(0, honest.stats().framesReceived() - 1, "nothing of the intruder's was read");
    }

    @Test
    void anHonestNodeDoesNotTalkToAPeerWhoseCertificateIsFromAnotherCa() throws Exception {
        List<RaftMessage> rogueGot = new CopyOnWriteArrayList<>();
        TcpClusterTransport intruder = bind(ClusterAuth.NONE.withTls(rogue));
        intruder.register("g", rogueGot::add);
        TcpClusterTransport a = bind(ClusterAuth.NONE.withTls(nodeA));
        await("the honest node's refusal", () -> {
            a.send(member(intruder), vote(3));
            return a.stats().authFailures() >= 2;
        });
        assertEquals(List.of(), rogueGot);
    }

    @Test
    void peersWithoutACertificateOrWithoutTlsGetNothingIn() throws Exception {
        TcpClusterTransport honest = receiver(ClusterAuth.NONE.withTls(nodeB));
        sendUntilRefused(bind(ClusterAuth.NONE), honest, 2);
        sendUntilRefused(bind(SECRET), honest, 4);
        // TLS that trusts the cluster CA but presents no certificate of its own
        SSLContext noCertificate = client(dir.resolve("ca.crt"));
        ClusterTls anonymous = ClusterTls.mutual(() -> noCertificate, TlsContexts.PROTOCOLS,
                TlsContexts.CIPHER_SUITES);
        sendUntilRefused(bind(ClusterAuth.NONE.withTls(anonymous)), honest, 6);
        assertEquals(List.of(), received);
        assertEquals(0, honest.stats().framesReceived());
    }

    private static SSLContext client(Path ca) throws Exception {
        return TlsContexts.client(Pem.readCertificates(ca), null, null, false);
    }
}
