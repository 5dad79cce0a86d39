package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.ScheduledRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PRODUCE_DELAYED and CANCEL_DELAYED through the client against a node whose clock the test moves. */
class DelayedProduceTest {
    static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);
    BrokerNode node;
    FlyMqClient client;

    ClockedNode clocked;

    void start() {
        clocked = new ClockedNode(dir, clock);
        node = clocked.node;
        client = clocked.client;
    }

    void restart() {
        clocked.close();
        start();
    }

    @AfterEach
    void stop() {
        if (clocked != null) {
            clocked.close();
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    List<String> values(String topic) {
        return client.fetch(topic, 0, 0, 100).records().stream().map(Message::valueAsString).toList();
    }

    /** Moves the clock, wakes the delivery thread and waits until {@code topic} holds {@code n} records. */
    List<String> advanceAndAwait(Duration by, String topic, int n) throws InterruptedException {
        clock.advance(by);
        node.wakeDelayedDelivery();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> got = values(topic);
        while (got.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
            got = values(topic);
        }
        return got;
    }

    @Test
    void aDelayedRecordAppearsWhenTheClockReachesItsTime() throws Exception {
        start();
        client.createTopic("d", 1);
        ScheduledRecord s = client.produceDelayed("d", utf8("later"), Duration.ofSeconds(30));
        assertEquals("d", s.topic());
        assertEquals(0, s.partition());
        assertEquals(T0 + 30_000, s.deliverAtMs());
        assertEquals(List.of(), values("d"));
        assertEquals(1, node.pendingDelayedRecords());

        assertEquals(List.of("later"), advanceAndAwait(Duration.ofSeconds(30), "d", 1));
        assertEquals(0, node.pendingDelayedRecords());
        Message m = client.batchFetch("d", List.of(new flymq.client.FetchPosition(0, 0)), 1 << 20).get(0)
                .records().get(0);
        assertEquals(T0 + 30_000, m.timestamp());
        assertEquals("flymq.delayed-id", m.headers().get(0).key());
    }

    @Test
    void aCancelledRecordIsNeverDelivered() throws Exception {
        start();
        client.createTopic("c", 1);
        ScheduledRecord drop = client.produceDelayed("c", utf8("drop"), Duration.ofMinutes(1));
        client.produceDelayed("c", utf8("keep"), Duration.ofMinutes(1));
        assertTrue(client.cancelDelayed("c", drop.delayId()));
        assertFalse(client.cancelDelayed("c", drop.delayId()), "a second cancel finds nothing to cancel");
        assertEquals(new BrokerView.TimedRecords(1, 0, 1, 0, 0), node.view().timedRecords());
        assertEquals(List.of("keep"), advanceAndAwait(Duration.ofMinutes(1), "c", 1));
        assertEquals(0, node.pendingDelayedRecords());
        assertEquals(new BrokerView.TimedRecords(0, 1, 1, 0, 0), node.view().timedRecords(), "the metrics' counts");
    }

    @Test
    void aScheduleSurvivesARestartAndIsDeliveredOnce() throws Exception {
        start();
        client.createTopic("r", 1);
        client.produceDelayed("r", utf8("one"), Duration.ofSeconds(1));
        client.produceDelayed("r", utf8("two"), Duration.ofHours(1));
        assertEquals(List.of("one"), advanceAndAwait(Duration.ofSeconds(1), "r", 1));
        restart();
        assertEquals(1, node.pendingDelayedRecords());
        assertEquals(List.of("one", "two"), advanceAndAwait(Duration.ofHours(1), "r", 2));
        restart();
        assertEquals(0, node.pendingDelayedRecords());
        assertEquals(List.of("one", "two"), values("r"));
    }
}
