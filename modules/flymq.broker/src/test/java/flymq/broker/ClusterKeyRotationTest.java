package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-rest key rotation on a running cluster, one node at a time, as docs/security.md's procedure says: a follower
 * is stopped, restarted with a new key and its old key as a previous key, while the others went on writing past
 * several snapshots of the partition group. It reads its own Raft logs and segments written under the old key,
 * catches up through a snapshot install and a copy from the leader, serves every record, keeps replicating, and
 * after another restart still reads all of it. Without the previous key it does not start, naming the key id it
 * lacks.
 */
class ClusterKeyRotationTest {
    private static final String OLD_KEY = "3c".repeat(32);
    private static final String NEW_KEY = "5e".repeat(32);

    @TempDir
    Path dir;

    private ClusterHarness cluster;
    private final LogCapture logged = new LogCapture("flymq.broker.replication.ReplicaCatchUp");

    @AfterEach
    void close() {
        logged.detach();
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

    @Test
    void aFollowerRotatedWhileTheOthersWroteReadsEverythingAndCatchesUpThroughASnapshot() throws Exception {
        logged.attach();
        Path oldKey = secretFile("at-rest.key", OLD_KEY);
        Path secret = secretFile("cluster.secret", "a shared secret of the three nodes");
        // a snapshot, and so a compaction of the partition's Raft log, every 20 commits
        cluster = new ClusterHarness(dir.resolve("nodes"), 13, b -> b.commitCountToTakeSnapshot(20)).withFlags(Map.of(
                "security.encryption_enabled", "true", "security.encryption_key_file", oldKey.toString(),
                "cluster.secret_file", secret.toString())).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("rotated", 1);
        }
        int leader = cluster.partitionLeader("rotated", 0);
        int follower = (leader + 1) % ClusterHarness.SIZE;
        List<String> written = new ArrayList<>();
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 10; i++) {
                produce(c, written, "before-" + i, 1);
            }
        }
        ClusterHarness.await("the follower's first records", 10_000, () -> local(follower).size() == written.size());
        Path keyIdFile = dir.resolve("nodes").resolve(ClusterHarness.id(follower)).resolve("logs")
                .resolve("encryption-key-id");
        String oldKeyId = Files.readString(keyIdFile);

        cluster.stop(follower);
        try (FlyMqClient c = cluster.client(leader)) {
            for (int i = 0; i < 150; i++) {
                produce(c, written, "missed-" + i, 1 + i % 3); // 150 commits: several snapshots behind the follower
            }
        }
        // the rotation: a new key, the old one as a previous key (this node only: each node's key is its own)
        cluster.changeFlags(follower, Map.of(
                "security.encryption_key_file", secretFile("at-rest.new", NEW_KEY).toString(),
                "security.encryption_previous_keys_file", secretFile("at-rest.previous", OLD_KEY).toString()));
        cluster.start(follower);
        ClusterHarness.await("the rotated follower's log to reach " + written.size() + " records", 30_000,
                () -> local(follower).size() >= written.size());
        assertEquals(written, local(follower).stream().map(Message::valueAsString).toList());
        assertTrue(logged.messages().stream().anyMatch(m -> m.contains("copied offsets 10..")),
                "the follower caught up through a snapshot install and a copy from the leader: " + logged);
        assertNotEquals(oldKeyId, Files.readString(keyIdFile), "the directory's key id moves to the new key");

        // it keeps replicating, under the new key, and another restart reads old and new records alike
        try (FlyMqClient c = cluster.client(cluster.partitionLeader("rotated", 0))) {
            produce(c, written, "after", 1);
        }
        ClusterHarness.await("the record produced after the rotation", 10_000,
                () -> local(follower).size() == written.size());
        cluster.stop(follower);
        cluster.start(follower);
        ClusterHarness.await("every record after a second restart", 30_000,
                () -> local(follower).size() == written.size());
        assertEquals(written, local(follower).stream().map(Message::valueAsString).toList());
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("every record on n" + (node + 1), 15_000,
                    () -> local(node).size() == written.size());
        }

        // the new key alone cannot open what the old one sealed (its Raft logs still hold such records)
        cluster.stop(follower);
        cluster.changeFlags(follower, Map.of("security.encryption_previous_keys_file", ""));
        RuntimeException e = assertThrows(RuntimeException.class, () -> cluster.start(follower));
        assertTrue(messages(e).contains("wrong encryption key"), messages(e));
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append(" | ");
        }
        return b.toString();
    }

    private static void produce(FlyMqClient c, List<String> written, String prefix, int count) {
        List<ProducerRecord> records = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            String v = count == 1 ? prefix : prefix + "." + r;
            records.add(ProducerRecord.of("rotated", v.getBytes(StandardCharsets.UTF_8)));
            written.add(v);
        }
        var answer = c.batchProduce("rotated", Acks.ALL, List.of(new PartitionRecords(0, records))).get(0);
        assertTrue(answer.ok(), answer.error());
    }

    private List<Message> local(int node) {
        try {
            return cluster.localRecords(node, "rotated", 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
