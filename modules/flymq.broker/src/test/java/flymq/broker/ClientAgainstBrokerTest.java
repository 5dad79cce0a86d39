package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.SubscribeMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client against the real broker, for the opcodes whose layouts are ours (docs/protocol.md) rather than
 * the spec's: a client and server written apart must still agree on every byte.
 */
class ClientAgainstBrokerTest {
    @TempDir
    Path dir;
    TestBroker broker;
    FlyMqClient client;

    @BeforeEach
    void start() {
        broker = TestBroker.start(dir);
        client = FlyMqClient.connect("127.0.0.1:" + broker.port());
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aReplicationFactorReachesTheBrokerInTheSettingsBlock() {
        client.createTopic("copied", 2, 1);
        assertEquals(1, client.metadata("copied").replicationFactor());
        assertEquals(2, client.metadata("copied").partitions().size());
        var refused = org.junit.jupiter.api.Assertions.assertThrows(flymq.client.FlyMqServerException.class,
                () -> client.createTopic("too-many-copies", 1, 2));
        assertTrue(refused.getMessage().contains("replication factor 2 for topic too-many-copies exceeds the 1 "
                + "available node(s)"), refused.getMessage());
        assertFalse(client.listTopics().contains("too-many-copies"));
    }

    @Test
    void metadataReportsEveryPartitionWithItsOffsets() {
        client.createTopic("orders", 3);
        client.produce("orders", 2, null, utf8("a"));
        client.produce("orders", 2, null, utf8("b"));

        var md = client.metadata("orders");

        assertEquals("orders", md.topic());
        assertEquals(3, md.partitions().size());
        assertEquals(1, md.replicationFactor());
        var p2 = md.partitions().get(2);
        assertEquals(2, p2.partition());
        assertEquals(0, p2.startOffset());
        assertEquals(2, p2.endOffset());
        assertTrue(p2.sizeBytes() > 0, "size of a partition holding two records");
        assertEquals("test-node", p2.leaderId());
        assertEquals(0, md.partitions().get(0).endOffset());
    }

    @Test
    void clusterStatusNamesTheSingleNodeAsController() {
        client.createTopic("a", 2);
        client.createTopic("b", 1);

        var status = client.clusterStatus();

        assertEquals("test-node", status.nodeId());
        assertEquals("test-node", status.leaderId());
        assertTrue(status.ready());
        assertEquals(1, status.nodes().size());
        assertTrue(status.nodes().get(0).leader());
        assertEquals("online", status.nodes().get(0).state());
        assertEquals(2, status.topicCount());
        assertEquals(3, status.partitionCount());
    }

    @Test
    void subscribeOnEveryPartitionOfAFreshTopicStartsAtZero() {
        client.createTopic("fresh", 2);
        for (var p : client.metadata("fresh").partitions()) {
            assertEquals(0, client.subscribe("fresh", "", p.partition(), SubscribeMode.EARLIEST));
            assertEquals(0, client.subscribe("fresh", "g", p.partition(), SubscribeMode.LATEST));
        }
    }

    @Test
    void seekToTimestampFindsTheFirstRecordAtOrAfterIt() {
        client.createTopic("ts", 1);
        var first = client.produce("ts", 0, null, utf8("x"));
        client.produce("ts", 0, null, utf8("y"));

        assertEquals(0, client.seekToTimestamp("ts", 0, 0));
        assertEquals(2, client.seekToTimestamp("ts", 0, first.timestamp() + 60_000));
    }

    @Test
    void groupCommitLagAndListRoundTrip() {
        client.createTopic("g", 1);
        for (int i = 0; i < 5; i++) {
            client.produce("g", 0, null, utf8("m" + i));
        }
        client.subscribe("g", "billing", 0, SubscribeMode.COMMIT);
        client.commit("g", "billing", 0, 3);

        var lag = client.getLag("g", "billing", 0);
        assertEquals(3, lag.committedOffset());
        assertEquals(5, lag.latestOffset());
        assertEquals(2, lag.lag());
        assertFalse(client.listGroups().isEmpty());
        assertEquals(3L, client.describeGroup("g", "billing").committedOffsets().get(0));
    }
}
