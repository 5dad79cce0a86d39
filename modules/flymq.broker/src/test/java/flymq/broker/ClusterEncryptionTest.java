package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node cluster with encryption at rest and a cluster secret, configured from key files as an operator
 * would: records replicate and read back on every node, and no value lies in the clear in any node's data
 * directory, Raft logs included.
 */
class ClusterEncryptionTest {
    private static final String CANARY = "cluster-cleartext-canary";

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Path secretFile(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private boolean anyFileHolds(Path root, byte[] needle) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(f);
                outer:
                for (int i = 0; i + needle.length <= b.length; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (b[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void replicatedRecordsAreEncryptedInSegmentsAndRaftLogsOnEveryNode() throws Exception {
        Path key = secretFile("at-rest.key", "3c".repeat(32));
        Path secret = secretFile("cluster.secret", "a shared secret of the three nodes");
        cluster = new ClusterHarness(dir.resolve("nodes"), 11, b -> { }).withFlags(Map.of(
                "security.encryption_enabled", "true", "security.encryption_key_file", key.toString(),
                "cluster.secret_file", secret.toString())).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("secret", 1);
        }
        int leader = cluster.partitionLeader("secret", 0);
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 20; i++) {
                c.produce("secret", 0, null, (CANARY + "-" + i).getBytes(StandardCharsets.UTF_8));
            }
            // pending in every replica's delayed-delivery schedule files when the nodes stop
            for (int i = 0; i < 3; i++) {
                c.produceDelayed("secret", 0, null, (CANARY + "-delayed-" + i).getBytes(StandardCharsets.UTF_8),
                        java.time.Duration.ofHours(1));
            }
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("20 records readable on n" + (node + 1), 15_000, () -> {
                try (FlyMqClient c = cluster.client(node)) {
                    List<Message> got = c.fetch("secret", 0, 0, 100).records();
                    return got.size() == 20 && got.get(19).valueAsString().equals(CANARY + "-19");
                } catch (RuntimeException e) {
                    return false;
                }
            });
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            cluster.stop(i);
        }
        Path nodes = dir.resolve("nodes");
        assertTrue(Files.exists(nodes.resolve("n1").resolve("raft")), "the nodes keep Raft logs");
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            try (var files = Files.walk(nodes.resolve(ClusterHarness.id(i)).resolve("delayed"))) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith(".delayed")),
                        ClusterHarness.id(i) + " keeps the schedule of the delayed records");
            }
        }
        assertFalse(anyFileHolds(nodes, CANARY.getBytes(StandardCharsets.UTF_8)),
                "a value lies in the clear under " + nodes);
    }
}
