package flymq.broker.endtoend;

import flymq.client.AuthResult;
import flymq.client.ClusterMetadata;
import flymq.client.ClusterStatus;
import flymq.client.GroupInfo;
import flymq.client.GroupLag;
import flymq.client.SubscribeMode;
import flymq.client.FetchResult;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.Message;
import flymq.client.RecordMetadata;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every 1.26 opcode through FlyMqClient against an in-process broker. */
class ClientRoundTripTest {
    @TempDir
    Path dir;
    InProcessBroker broker;
    FlyMqClient client;

    @BeforeEach
    void start() {
        broker = new InProcessBroker(dir);
        client = FlyMqClient.connect(broker.address());
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
    }

    @Test
    void producedRecordsComeBackFromFetchInOrder() {
        client.createTopic("orders", 1);
        for (int i = 0; i < 5; i++) {
            RecordMetadata md = client.produce("orders", ("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
            assertEquals(i, md.offset());
            assertEquals(2, md.keySize());
        }
        FetchResult r = client.fetch("orders", 0, 1, 10);
        assertEquals(4, r.records().size());
        assertEquals("v1", r.records().get(0).valueAsString());
        assertEquals("k4", r.records().get(3).keyAsString());
        assertEquals(5, r.nextOffset());
        assertEquals(List.of("v1", "v2", "v3", "v4"), client.fetchBinary("orders", 0, 1, 10).records().stream()
                .map(Message::valueAsString).toList());
    }

    @Test
    void consumeReadsOneRecordAndReportsEofPastTheEnd() {
        client.produce("t", "hello".getBytes(UTF_8));
        Message m = client.consume("t", 0, 0);
        assertEquals("hello", m.valueAsString());
        FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> client.consume("t", 0, 1));
        assertFalse(e.serverMessage().isEmpty());
    }

    @Test
    void topicsAreCreatedListedDescribedAndDeleted() {
        client.createTopic("a", 3);
        client.createTopic("b", 1);
        assertEquals(List.of("a", "b"), client.listTopics());
        assertEquals(3, client.metadata("a").partitionCount());
        assertEquals(3, client.clusterMetadata("a").topic("a").orElseThrow().partitions().size());
        client.deleteTopic("a");
        assertEquals(List.of("b"), client.listTopics());
    }

    @Test
    void unknownTopicErrorCarriesTheServerText() {
        FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> client.metadata("nope"));
        assertTrue(e.serverMessage().contains("nope"), e.serverMessage());
        // the connection is still usable
        assertEquals(List.of(), client.listTopics());
    }

    @Test
    void commitIsReadBackAsOffsetLagAndGroupDescription() {
        client.createTopic("t", 1);
        for (int i = 0; i < 10; i++) {
            client.produce("t", new byte[] {(byte) i});
        }
        assertEquals(0, client.subscribe("t", "g", 0, SubscribeMode.COMMIT));
        client.commit("t", "g", 0, 4);
        assertEquals(4, client.getOffset("t", "g", 0));
        assertEquals(4, client.subscribe("t", "g", 0, SubscribeMode.COMMIT));
        GroupLag lag = client.getLag("t", "g", 0);
        assertEquals(new GroupLag(4, 4, 10, 6), lag);
        GroupInfo info = client.describeGroup("t", "g");
        assertEquals(4L, info.committedOffsets().get(0));
        assertEquals(1, info.memberCount());
        assertTrue(client.listGroups().stream().anyMatch(gi -> gi.groupId().equals("g") && gi.topic().equals("t")));
        client.resetOffsetToLatest("t", "g", 0);
        assertEquals(10, client.getOffset("t", "g", 0));
        client.resetOffsetToEarliest("t", "g", 0);
        assertEquals(0, client.getOffset("t", "g", 0));
        client.resetOffset("t", "g", 0, 7);
        assertEquals(7, client.getOffset("t", "g", 0));
        client.deleteGroup("t", "g");
        assertThrows(FlyMqServerException.class, () -> client.describeGroup("t", "g"));
    }

    @Test
    void seekToTimestampFindsTheFirstRecordAtOrAfterIt() throws Exception {
        client.produce("t", new byte[1]);
        Thread.sleep(5);
        long between = System.currentTimeMillis();
        Thread.sleep(5);
        client.produce("t", new byte[1]);
        assertEquals(0, client.seekToTimestamp("t", 0, 0));
        assertEquals(1, client.seekToTimestamp("t", 0, between));
        assertEquals(2, client.seekToTimestamp("t", 0, Long.MAX_VALUE));
    }

    @Test
    void clusterStatusAndMetadataDescribeTheSingleNode() {
        client.createTopic("t", 2);
        ClusterStatus status = client.clusterStatus();
        assertEquals("client-test", status.nodeId());
        assertTrue(status.ready());
        ClusterMetadata md = client.clusterMetadata("");
        assertEquals(2, md.topic("t").orElseThrow().partitions().size());
    }

    @Test
    void authBindsTheUserAndWhoamiReportsIt() {
        assertFalse(client.whoami().success());
        AuthResult r = client.auth("alice", "secret");
        assertTrue(r.success());
        assertEquals("alice", client.whoami().username());
    }
}
