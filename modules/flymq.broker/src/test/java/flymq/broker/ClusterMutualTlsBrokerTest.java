package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertThrows;

import flymq.broker.tls.CertificateAuthority;
import flymq.broker.tls.CertificateAuthority.KeyType;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers configured as an operator would for node-to-node mutual TLS ({@code cluster.tls_*}, with the cluster
 * secret too): they elect, replicate and serve records on every node; a node whose configuration names a missing
 * certificate refuses to start instead of running unauthenticated.
 */
class ClusterMutualTlsBrokerTest {
    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Map<String, String> tlsFlags() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("FlyMQ test cluster CA", KeyType.EC,
                Duration.ofDays(1));
        ca.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        // one certificate for the three in-process nodes: what admits a peer is the issuer, not a host name
        ca.issue("node", List.of("127.0.0.1"), KeyType.EC, Duration.ofDays(1))
                .write(dir.resolve("node.crt"), dir.resolve("node.key"));
        java.nio.file.Files.writeString(dir.resolve("cluster.secret"), "a shared secret of the three nodes");
        java.nio.file.Files.setPosixFilePermissions(dir.resolve("cluster.secret"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return Map.of("cluster.tls_enabled", "true", "cluster.tls_cert_file", dir.resolve("node.crt").toString(),
                "cluster.tls_key_file", dir.resolve("node.key").toString(),
                "cluster.tls_ca_file", dir.resolve("ca.crt").toString(),
                "cluster.secret_file", dir.resolve("cluster.secret").toString());
    }

    @Test
    void nodesUnderMutualTlsReplicateAndServeOnEveryNode() throws Exception {
        cluster = new ClusterHarness(dir.resolve("nodes"), 31, b -> { }).withFlags(tlsFlags()).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("over-tls", 1);
        }
        int leader = cluster.partitionLeader("over-tls", 0);
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 20; i++) {
                c.produce("over-tls", 0, null, ("r-" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("20 records on n" + (node + 1), 15_000, () -> {
                try (FlyMqClient c = cluster.client(node)) {
                    List<Message> got = c.fetch("over-tls", 0, 0, 100).records();
                    return got.size() == 20 && got.get(19).valueAsString().equals("r-19");
                } catch (RuntimeException e) {
                    return false;
                }
            });
        }
    }

    @Test
    void aMissingNodeCertificateStopsTheStart() throws Exception {
        Map<String, String> flags = new java.util.HashMap<>(tlsFlags());
        flags.put("cluster.tls_cert_file", dir.resolve("absent.crt").toString());
        cluster = new ClusterHarness(dir.resolve("nodes"), 32, b -> { }).withFlags(flags);
        assertThrows(RuntimeException.class, () -> cluster.start(0));
    }
}
