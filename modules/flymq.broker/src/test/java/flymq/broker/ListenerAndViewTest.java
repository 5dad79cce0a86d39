package flymq.broker;

import static flymq.broker.WireClient.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Opcodes;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hooks telemetry relies on fire with the right facts, and the view reports live state. */
class ListenerAndViewTest {
    @TempDir
    Path dir;

    static final class Recorder implements BrokerListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void connectionOpened() {
            events.add("open");
        }

        @Override
        public void connectionClosed() {
            events.add("close");
        }

        @Override
        public void produced(String topic, int partition, int records, long bytes, long latencyNanos) {
            events.add("produced " + topic + "-" + partition + " " + records + " " + bytes + (latencyNanos > 0 ? "" : " ?"));
        }

        @Override
        public void consumed(String topic, int partition, String group, int records, long bytes, long latencyNanos) {
            events.add("consumed " + topic + "-" + partition + " " + records + " " + bytes);
        }

        @Override
        public void committed(String group, String topic, int partition, long offset) {
            events.add("committed " + group + " " + topic + "-" + partition + " " + offset);
        }

        @Override
        public void memberJoined(String group, String topic) {
            events.add("joined " + group + " " + topic);
        }

        @Override
        public void memberLeft(String group, String topic) {
            events.add("left " + group + " " + topic);
        }

        @Override
        public void topicDeleted(String topic) {
            events.add("topicDeleted " + topic);
        }

        @Override
        public void groupDeleted(String group, String topic) {
            events.add("groupDeleted " + group + " " + topic);
        }
    }

    @Test
    void hooksFireOnTheRequestPath() throws Exception {
        Recorder r = new Recorder();
        try (TestBroker b = TestBroker.start(dir, r)) {
            try (WireClient c = b.client()) {
                c.produce("h", "k", "vvv", -1);
                c.fetch("h", 0, 0, 10, "");
                c.subscribe("h", "g", 0, "earliest");
                c.commit("h", "g", 0, 1);
                c.call(Opcodes.DELETE_GROUP, payload().str16("h").str16("g"));
                c.call(Opcodes.DELETE_TOPIC, payload().str16("h"));
            }
            NetworkingTest.await(() -> r.events.contains("close"), "the close hook");
        }
        assertEquals(List.of("open", "produced h-0 1 4", "consumed h-0 1 4", "joined g h", "committed g h-0 1",
                "groupDeleted g h", "topicDeleted h", "close"), r.events);
    }

    @Test
    void viewReportsTopicsGroupsLagAndConnections() throws Exception {
        try (TestBroker b = TestBroker.start(dir); WireClient c = b.client()) {
            c.createTopic("v", 2);
            for (int i = 0; i < 4; i++) {
                c.produce("v", null, "x", 1);
            }
            c.commit("v", "g", 1, 1);
            BrokerView view = b.node.view();
            assertTrue(view.ready());
            assertEquals("test-node", view.nodeId());
            assertEquals(dir, view.dataDir());
            assertEquals(1, view.activeConnections());
            BrokerView.TopicInfo t = view.topics().get(0);
            assertEquals("v", t.name());
            assertEquals(new BrokerView.PartitionInfo(0, 0, 0, t.partitions().get(0).sizeBytes(),
                    t.partitions().get(0).segmentCount()), t.partitions().get(0));
            assertEquals(4, t.partitions().get(1).endOffset());
            assertTrue(t.partitions().get(1).sizeBytes() > 0);
            BrokerView.GroupInfo g = view.groups().get(0);
            assertEquals(List.of(new BrokerView.GroupPartitionInfo(1, 1, 4, 3)), g.partitions());
        }
    }
}
