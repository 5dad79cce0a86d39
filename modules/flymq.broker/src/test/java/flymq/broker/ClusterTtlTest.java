package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.RecordMetadata;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.storage.StoredRecord;
import flymq.storage.StoredRecords;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TTL in a three-node cluster: a PRODUCE_WITH_TTL sent to any node reaches the partition's leader, and every replica
 * stores the same expiry with the record (it travels in the Raft command). Delayed delivery: ClusterDelayedTest.
 */
class ClusterTtlTest {
    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The records node {@code i} holds itself, as stored (with their expiry). */
    private List<StoredRecord> stored(int i, String topic) throws Exception {
        try (WireClient w = new WireClient(cluster.port(i))) {
            WireClient.Frame f = w.call(ExtensionOpcodes.BATCH_FETCH, new BatchFetchRequest(topic, 1 << 20,
                    List.of(new BatchFetchRequest.Position(0, 0)), true));
            PayloadReader r = f.reader();
            BatchFetchResponse.PartitionHeader p = BatchFetchResponse.read(r).partitions().get(0);
            return StoredRecords.decode(ByteBuffer.wrap(f.payload(), r.position(), p.byteLength()));
        }
    }

    private int count(int i, String topic) {
        try {
            return stored(i, topic).size();
        } catch (Exception e) {
            return -1; // not there yet
        }
    }

    @Test
    void everyReplicaStoresTheSameExpiry() throws Exception {
        cluster = new ClusterHarness(dir, 5, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic("ttl", 1);
        }
        int leader = cluster.partitionLeader("ttl", 0);
        int via = (leader + 1) % ClusterHarness.SIZE;
        RecordMetadata md;
        try (FlyMqClient c = cluster.client(via)) {
            c.produce("ttl", "plain".getBytes(StandardCharsets.UTF_8));
            md = c.produceWithTtl("ttl", "short-lived".getBytes(StandardCharsets.UTF_8), Duration.ofHours(2));
        }
        assertEquals(1, md.offset());
        long expiresAt = md.timestamp() + Duration.ofHours(2).toMillis();
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("both records on n" + (node + 1), 15_000, () -> count(node, "ttl") == 2);
            List<StoredRecord> got = stored(node, "ttl");
            assertEquals(0, got.get(0).expiresAt(), "n" + (node + 1));
            assertEquals(expiresAt, got.get(1).expiresAt(), "n" + (node + 1));
        }
    }

    @Test
    void aTopicsTimeToLiveIsReplicatedWithTheTopic() throws Exception {
        cluster = new ClusterHarness(dir, 7, b -> { }).startAll();
        cluster.awaitRegistered();
        int metadataLeader = cluster.metadataLeader();
        try (FlyMqClient c = cluster.client((metadataLeader + 1) % ClusterHarness.SIZE)) {
            c.createTopic("topic-ttl", 1, -1, Duration.ofMinutes(3));
        }
        int leader = cluster.partitionLeader("topic-ttl", 0);
        RecordMetadata md;
        try (FlyMqClient c = cluster.client((leader + 2) % ClusterHarness.SIZE)) {
            md = c.produce("topic-ttl", "plain".getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            ClusterHarness.await("the record on n" + (node + 1), 15_000, () -> count(node, "topic-ttl") == 1);
            assertEquals(md.timestamp() + Duration.ofMinutes(3).toMillis(), stored(node, "topic-ttl").get(0)
                    .expiresAt(), "n" + (node + 1));
        }
    }
}
