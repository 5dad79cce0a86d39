package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.auth.NodeLogin;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.client.FlyMqProducer;
import flymq.client.ProducerConfig;
import flymq.client.ProducerRecord;
import flymq.client.Message;
import flymq.protocol.Opcodes;
import flymq.protocol.message.AuthRequest;
import flymq.protocol.message.AuthResponse;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.ProduceRequest;
import flymq.protocol.message.UserRequest;
import flymq.protocol.tls.Pem;
import flymq.protocol.tls.TlsContexts;
import flymq.protocol.tls.TlsSockets;
import flymq.raft.transport.ClusterAuth;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node cluster secured as docs/security.md's production set-up says: client ports speaking TLS only on
 * {@code bind_addr} with client certificates required, cluster mutual TLS and the cluster secret, {@code auth.enabled}.
 * A client connected to any node produces and consumes: a node that does not lead the partition forwards over TLS,
 * presenting its node certificate, logged in as a node through the cluster secret (no user password). And the
 * node identity is not for clients: a client that claims it without the secret, with another secret, with an answer
 * seen on another connection or for another node, gets nothing.
 */
class ClusterForwardingTlsTest {
    private static final String SECRET = "a shared secret of the three nodes";

    @TempDir
    Path dir;

    private TlsFixtures certs;
    private ClusterHarness cluster;

    @BeforeEach
    void start() throws Exception {
        certs = TlsFixtures.create(Files.createDirectories(dir.resolve("certs")));
        Path secret = dir.resolve("cluster.secret");
        Files.writeString(secret, SECRET);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> flags = new HashMap<>(Map.of(
                "security.tls_enabled", "true", "security.tls_cert_file", certs.serverCert.toString(),
                "security.tls_key_file", certs.serverKey.toString(), "security.tls_ca_file", certs.caCert.toString(),
                "security.tls_client_auth", "require",
                "cluster.tls_enabled", "true", "cluster.tls_cert_file", certs.serverCert.toString(),
                "cluster.tls_key_file", certs.serverKey.toString(), "cluster.tls_ca_file", certs.caCert.toString()));
        flags.putAll(Map.of("cluster.secret_file", secret.toString(), "auth.enabled", "true",
                "auth.admin_password", "s3cret", "auth.password_hash_iterations", "1000",
                "auth.default_public", "false"));
        cluster = new ClusterHarness(dir.resolve("nodes"), 41, b -> { }).withFlags(flags)
                .withClientSettings(b -> b.tlsTrust(certs.caCert)
                        .tlsClientCertificate(certs.clientCert, certs.clientKey).credentials("admin", "s3cret"))
                .startAll();
        cluster.awaitRegistered();
    }

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private FlyMqClient as(int node, String user, String password) {
        return FlyMqClient.builder().bootstrap("127.0.0.1:" + cluster.port(node)).connectPasses(1)
                .requestTimeout(Duration.ofSeconds(20)).tlsTrust(certs.caCert)
                .tlsClientCertificate(certs.clientCert, certs.clientKey).credentials(user, password).build();
    }

    @Test
    void aClientOfAFollowerProducesAndConsumesThroughTheLeaderOverTls() throws Exception {
        // through a follower of the metadata group too: the user and the topic are forwarded to its leader
        int metadataFollower = (cluster.metadataLeader() + 1) % ClusterHarness.SIZE;
        ClusterHarness.await("user app created", 30_000, () -> {
            try (FlyMqClient c = as(metadataFollower, "admin", "s3cret")) {
                c.createUser("app", "pw-app", List.of("producer", "consumer"));
                return true;
            } catch (FlyMqException e) {
                return e.getMessage().contains("already exists");
            }
        });
        try (FlyMqClient c = as(metadataFollower, "admin", "s3cret")) {
            c.createTopic("secured", 1);
        }
        int leader = cluster.partitionLeader("secured", 0);
        int follower = (leader + 1) % ClusterHarness.SIZE;
        try (FlyMqClient c = as(follower, "app", "pw-app")) {
            for (int i = 0; i < 10; i++) {
                c.produce("secured", 0, null, ("r-" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        awaitRecords(follower, 10);
        // BATCH_PRODUCE, forwarded in groups
        try (FlyMqClient c = as(follower, "app", "pw-app");
             FlyMqProducer producer = new FlyMqProducer(c, ProducerConfig.defaults())) {
            List<java.util.concurrent.CompletableFuture<?>> sent = new java.util.ArrayList<>();
            for (int i = 10; i < 20; i++) {
                sent.add(producer.send(ProducerRecord.of("secured", ("r-" + i).getBytes(StandardCharsets.UTF_8))
                        .withPartition(0)));
            }
            producer.flush();
            for (var f : sent) {
                f.get(20, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        awaitRecords(follower, 20);
        awaitRecords((leader + 2) % ClusterHarness.SIZE, 20);
        // the leader served the follower's forwards as the node, not as the bootstrap admin
        assertTrue(auditLines(leader).stream().anyMatch(l -> l.contains("auth.success")
                && l.contains("flymq-node:" + ClusterHarness.id(follower))), "no node login of the follower");
        // a user the topic is closed to is still refused, on the node the client talks to, not let through as a node
        try (FlyMqClient c = as(metadataFollower, "admin", "s3cret")) {
            c.createUser("reader", "pw-reader", List.of("consumer"));
        }
        ClusterHarness.await("user reader known on n" + (follower + 1), 15_000, () -> {
            try (FlyMqClient c = as(follower, "reader", "pw-reader")) {
                return c.whoami().success();
            } catch (FlyMqException e) {
                return false;
            }
        });
        try (FlyMqClient c = as(follower, "reader", "pw-reader")) {
            FlyMqException e = assertThrows(FlyMqException.class,
                    () -> c.produce("secured", 0, null, "no".getBytes(StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().contains("denied"), e.getMessage());
        }
    }

    @Test
    void aProducerOpensItsLeaderConnectionsOverTlsLoggedInAsItsUser() throws Exception {
        int metadataLeader = cluster.metadataLeader();
        try (FlyMqClient c = as(metadataLeader, "admin", "s3cret")) {
            c.createUser("spreader", "pw-spreader", List.of("producer"));
            c.createTopic("spread", 3);
        }
        ClusterHarness.await("each partition of spread led by another node", 30_000, () -> {
            java.util.Set<Integer> leaders = new java.util.HashSet<>();
            try {
                for (int p = 0; p < 3; p++) {
                    leaders.add(cluster.partitionLeader("spread", p));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (leaders.size() == 3) {
                return true;
            }
            try (FlyMqClient c = as(metadataLeader, "admin", "s3cret")) {
                c.electLeaders();
            } catch (FlyMqException e) {
                // nothing to hand over yet: asked again
            }
            return false;
        });
        int entry = cluster.partitionLeader("spread", 0);
        int[] before = new int[ClusterHarness.SIZE];
        for (int i = 0; i < before.length; i++) {
            before[i] = logins(i, "spreader");
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("user spreader known on n" + (node + 1), 15_000, () -> {
                try (FlyMqClient c = as(node, "admin", "s3cret")) {
                    return c.getUser("spreader").username().equals("spreader");
                } catch (FlyMqException e) {
                    return false;
                }
            });
        }
        List<java.util.concurrent.CompletableFuture<?>> sent = new java.util.ArrayList<>();
        try (FlyMqClient c = as(entry, "spreader", "pw-spreader");
             FlyMqProducer producer = new FlyMqProducer(c, ProducerConfig.defaults()
                     .withAcks(flymq.protocol.Acks.ALL))) {
            for (int i = 0; i < 30; i++) {
                sent.add(producer.send(ProducerRecord.of("spread", ("s-" + i).getBytes(StandardCharsets.UTF_8))
                        .withPartition(i % 3)));
            }
            producer.flush();
            for (var f : sent) {
                f.get(20, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            // the given client's login on the entry node, a leader connection's on each other node
            assertEquals(1, logins(i, "spreader") - before[i], "logins of the producer's user on n" + (i + 1));
        }
    }

    /** Successful logins of {@code user} in node {@code node}'s audit trail. */
    private int logins(int node, String user) throws java.io.IOException {
        return (int) auditLines(node).stream()
                .filter(l -> l.contains("\"type\":\"auth.success\"") && l.contains("\"user\":\"" + user + "\""))
                .count();
    }

    private List<String> auditLines(int node) throws java.io.IOException {
        List<String> lines = new java.util.ArrayList<>();
        try (var files = Files.list(dir.resolve("nodes").resolve(ClusterHarness.id(node)).resolve("audit"))) {
            for (Path f : files.toList()) {
                lines.addAll(Files.readAllLines(f));
            }
        }
        return lines;
    }

    /** Fetches through {@code node} as user app until the first {@code n} records are there, in order. */
    private void awaitRecords(int node, int n) throws InterruptedException {
        ClusterHarness.await(n + " records read through n" + (node + 1), 15_000, () -> {
            try (FlyMqClient c = as(node, "app", "pw-app")) {
                List<Message> got = c.fetch("secured", 0, 0, 100).records();
                for (int i = 0; i < n; i++) {
                    if (got.size() < n || !got.get(i).valueAsString().equals("r-" + i)) {
                        return false;
                    }
                }
                return true;
            }
        });
    }

    @Test
    void aClientCannotUseTheNodeIdentityWithoutTheClusterSecret() throws Exception {
        NodeLogin honest = NodeLogin.of(ClusterAuth.sharedSecret(SECRET.getBytes(StandardCharsets.UTF_8))
                .derivedKey(NodeLogin.keyLabel()), "n2");
        NodeLogin rogue = NodeLogin.of(ClusterAuth.sharedSecret("another secret, 16 bytes or more"
                .getBytes(StandardCharsets.UTF_8)).derivedKey(NodeLogin.keyLabel()), "n2");
        int port = cluster.port(0); // n1
        // an answer without a challenge, and garbage after one
        try (WireClient w = tlsClient(port)) {
            assertFalse(auth(w, "flymq-node:n2", "AAAA").success());
            assertTrue(auth(w, "flymq-node:n2", "").error().startsWith(NodeLogin.CHALLENGE_PREFIX));
            assertFalse(auth(w, "flymq-node:n2", "not base64 !").success());
            assertRefused(w);
        }
        // the right form under another secret
        try (WireClient w = tlsClient(port)) {
            String challenge = auth(w, "flymq-node:n2", "").error();
            assertFalse(auth(w, "flymq-node:n2", rogue.answer("n1", challenge)).success());
            assertRefused(w);
        }
        // an honest answer seen on one connection opens no other (the challenge is fresh), nor the same one again
        String seen;
        try (WireClient w = tlsClient(port)) {
            seen = honest.answer("n1", auth(w, "flymq-node:n2", "").error());
            assertTrue(auth(w, "flymq-node:n2", seen).success(), "the honest node's own login");
            assertFalse(auth(w, "flymq-node:n2", seen).success(), "one answer per challenge");
        }
        try (WireClient w = tlsClient(port)) {
            String fresh = auth(w, "flymq-node:n2", "").error();
            assertNotEquals(seen, honest.answer("n1", fresh));
            assertFalse(auth(w, "flymq-node:n2", seen).success());
            assertRefused(w);
        }
        // an answer made for node n3's challenge does not open n1
        try (WireClient w = tlsClient(port)) {
            String challenge = auth(w, "flymq-node:n2", "").error();
            assertFalse(auth(w, "flymq-node:n2", honest.answer("n3", challenge)).success());
            assertRefused(w);
        }
        // and the node names cannot be taken by a user
        try (FlyMqClient c = as(0, "admin", "s3cret")) {
            FlyMqException e = assertThrows(FlyMqException.class,
                    () -> c.createUser("flymq-node:n9", "pw", List.of("admin")));
            assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        }
    }

    private WireClient tlsClient(int port) throws Exception {
        SSLContext ctx = TlsContexts.client(Pem.readCertificates(certs.caCert), Pem.readPrivateKey(certs.clientKey),
                Pem.readCertificates(certs.clientCert), false);
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new WireClient(TlsSockets.connect(plain, "127.0.0.1", ctx, true, Duration.ofSeconds(10)));
    }

    private static AuthResponse auth(WireClient w, String user, String password) throws Exception {
        WireClient.Frame f = w.call(Opcodes.AUTH, new AuthRequest(user, password));
        assertEquals(Opcodes.AUTH_RESPONSE, f.opcode(), () -> f.isError() ? f.errorText() : "opcode " + f.opcode());
        return AuthResponse.read(f.reader());
    }

    /** Nothing a node may do is served on this connection: no produce, no topic, no user. */
    private static void assertRefused(WireClient w) throws Exception {
        WireClient.Frame produce = w.call(Opcodes.PRODUCE, new ProduceRequest("secured-by-nobody", null,
                "x".getBytes(StandardCharsets.UTF_8), -1));
        assertTrue(produce.isError(), "a produce was served");
        WireClient.Frame create = w.call(Opcodes.CREATE_TOPIC, CreateTopicRequest.of("by-nobody", 1));
        assertTrue(create.isError(), "a topic was created");
        WireClient.Frame user = w.call(Opcodes.USER_CREATE, new UserRequest("intruder", "pw", "", List.of("admin"), true));
        assertTrue(user.isError(), "a user was created");
    }
}
