package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.ConsumerConfig;
import flymq.client.DeadLetter;
import flymq.client.DlqResult;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqConsumer;
import flymq.client.Header;
import flymq.client.Message;
import flymq.client.NackResult;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.Acks;
import flymq.client.SubscribeMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead-letter queues on a single broker (docs/dlq.md): a consumer group that fails a record more often than
 * {@code dlq.max_retries} allows sees it dead-lettered with its origin and failure history in headers; replay puts it
 * back once; purge empties the queue; all of it survives a restart.
 */
class DeadLetterQueueTest {
    @TempDir
    Path dir;

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static TestBroker broker(Path dir, String... more) {
        List<String> flags = new ArrayList<>(List.of("dlq.enabled", "true", "dlq.max_retries", "2",
                "dlq.retry_delay", "0"));
        flags.addAll(List.of(more));
        return TestBroker.start(dir, flags.toArray(String[]::new));
    }

    private static FlyMqClient client(TestBroker b) {
        return FlyMqClient.connect("127.0.0.1:" + b.port());
    }

    /** Every record of a topic's partition 0 as a consumer without a group reads it (with headers). */
    static List<Message> all(FlyMqClient c, String topic) {
        try (FlyMqConsumer reader = new FlyMqConsumer(c, new ConsumerConfig("", SubscribeMode.EARLIEST, false,
                Duration.ofSeconds(5), 1 << 20))) {
            reader.assign(topic, 0);
            List<Message> out = new ArrayList<>();
            while (true) {
                List<Message> got = reader.poll(Duration.ofMillis(200));
                if (got.isEmpty()) {
                    return out;
                }
                out.addAll(got);
            }
        }
    }

    static Map<String, String> headers(Message m) {
        Map<String, String> h = new HashMap<>();
        for (Header x : m.headers()) {
            h.put(x.key(), new String(x.value(), StandardCharsets.UTF_8));
        }
        return h;
    }

    static Header header(String k, String v) {
        return new Header(k, utf8(v));
    }

    /** The queue's dead letters (kind dead), with their headers. */
    static List<Message> deadLetters(FlyMqClient c, String queue) {
        return all(c, queue).stream().filter(m -> "dead".equals(headers(m).get("flymq.dlq.kind"))).toList();
    }

    @Test
    void aRecordFailedOnceMoreThanMaxRetriesIsDeadLetteredWithItsOriginAndHistory() {
        try (TestBroker b = broker(dir); FlyMqClient c = client(b)) {
            c.createTopic("orders", 1);
            for (int i = 0; i < 3; i++) {
                c.produce("orders", utf8("order-" + i));
            }
            long before = System.currentTimeMillis();
            List<NackResult> answers = new ArrayList<>();
            List<String> processed = new ArrayList<>();
            try (FlyMqConsumer consumer = new FlyMqConsumer(c, ConsumerConfig.forGroup("billing")
                    .withStartFrom(SubscribeMode.EARLIEST))) {
                consumer.subscribe("orders");
                // the consumer fails order-1 every time it sees it; the group gets it 1 + max_retries times
                for (int round = 0; round < 20 && processed.size() < 3 + 2; round++) {
                    for (Message m : consumer.poll(Duration.ofMillis(500))) {
                        processed.add(m.valueAsString());
                        if (m.valueAsString().equals("order-1")) {
                            NackResult r = consumer.nack(m, "payment service timeout");
                            answers.add(r);
                            if (!r.deadLettered()) {
                                break; // the records after it in this poll come again with it
                            }
                        }
                    }
                }
                assertEquals(List.of(false, false, true), answers.stream().map(NackResult::deadLettered).toList());
                assertEquals(List.of(1, 2, 3), answers.stream().map(NackResult::failures).toList());
                assertEquals(List.of("order-0", "order-1", "order-1", "order-1", "order-2"), processed);
            }
            List<Message> dead = deadLetters(c, "orders.dlq");
            assertEquals(1, dead.size());
            Message d = dead.get(0);
            assertEquals("order-1", d.valueAsString());
            Map<String, String> h = headers(d);
            assertEquals("orders", h.get("flymq.dlq.origin-topic"));
            assertEquals("0", h.get("flymq.dlq.origin-partition"));
            assertEquals("1", h.get("flymq.dlq.origin-offset"));
            assertEquals("payment service timeout", h.get("flymq.dlq.error"));
            assertEquals("2", h.get("flymq.dlq.retries"));
            assertEquals("billing", h.get("flymq.dlq.group"));
            long first = Long.parseLong(h.get("flymq.dlq.first-failure-ms"));
            long last = Long.parseLong(h.get("flymq.dlq.last-failure-ms"));
            assertTrue(first >= before && first <= last, first + " .. " + last);
            assertEquals(answers.get(2).dlqId(), Long.toString(d.offset()));

            List<DeadLetter> listed = c.fetchDlq("orders", 10);
            assertEquals(1, listed.size());
            assertEquals(Long.toString(d.offset()), listed.get(0).id());
            assertEquals("order-1", listed.get(0).valueAsString());
            assertEquals("payment service timeout", listed.get(0).error());
            assertEquals(2, listed.get(0).retries());
        }
    }

    @Test
    void aFailureReportedAgainForADeadLetterAnswersTheSameDeadLetter() {
        try (TestBroker b = broker(dir, "dlq.max_retries", "0"); FlyMqClient c = client(b)) {
            c.produce("orders", utf8("poison"));
            NackResult first = c.nack("billing", "orders", 0, 0, "bad");
            NackResult again = c.nack("billing", "orders", 0, 0, "bad");
            assertTrue(first.deadLettered());
            assertTrue(again.deadLettered());
            assertEquals(first.dlqId(), again.dlqId());
            assertEquals(1, c.fetchDlq("orders", 10).size());
            // another group's failures are its own: max_retries 0 dead-letters at its first failure too
            NackResult other = c.nack("audit", "orders", 0, 0, "bad");
            assertTrue(other.deadLettered());
            assertEquals(2, c.fetchDlq("orders", 10).size());
        }
    }

    @Test
    void retryDelayIsTheBrokersAndTheConsumerWaitsForIt() {
        try (TestBroker b = broker(dir, "dlq.retry_delay", "60000"); FlyMqClient c = client(b)) {
            c.produce("orders", utf8("slow"));
            long now = System.currentTimeMillis();
            NackResult r = c.nack("billing", "orders", 0, 0, "later");
            assertFalse(r.deadLettered());
            assertTrue(r.retryAtMs() >= now + 60_000, r.retryAtMs() + " vs " + now);
            try (FlyMqConsumer consumer = new FlyMqConsumer(c, ConsumerConfig.forGroup("g2")
                    .withStartFrom(SubscribeMode.EARLIEST))) {
                consumer.subscribe("orders");
                Message m = consumer.poll(Duration.ofSeconds(2)).get(0);
                consumer.nack(m, "later");
                // held back for a minute: nothing comes in the meantime
                assertEquals(List.of(), consumer.poll(Duration.ofMillis(300)));
                assertEquals(0, consumer.position("orders", 0));
            }
        }
    }

    @Test
    void replayCopiesTheDeadLetterBackOnceAlsoWhenAskedAgain() {
        try (TestBroker b = broker(dir, "dlq.max_retries", "0"); FlyMqClient c = client(b)) {
            c.createTopic("orders", 1);
            c.produce("orders", utf8("k"), utf8("again"));
            String id = c.nack("billing", "orders", 0, 0, "bad").dlqId();

            DlqResult r = c.replayDlq("orders", id);
            assertTrue(r.success(), r.message());
            List<Message> origin = all(c, "orders");
            assertEquals(2, origin.size());
            assertEquals("again", origin.get(1).valueAsString());
            assertEquals("k", origin.get(1).keyAsString());
            assertEquals("orders.dlq@" + id, headers(origin.get(1)).get("flymq.dlq.replay-of"));
            assertEquals(List.of(), c.fetchDlq("orders", 10));

            DlqResult again = c.replayDlq("orders", id);
            assertTrue(again.success(), again.message());
            assertTrue(again.message().startsWith("already replayed"), again.message());
            assertEquals(2, all(c, "orders").size());

            DlqResult unknown = c.replayDlq("orders", "999");
            assertFalse(unknown.success());
            assertTrue(unknown.message().contains("not found"), unknown.message());
        }
    }

    @Test
    void theOffsetFormReplaysTheSameWay() {
        try (TestBroker b = broker(dir, "dlq.max_retries", "0"); FlyMqClient c = client(b)) {
            c.produce("orders", utf8("by-offset"));
            long id = Long.parseLong(c.nack("billing", "orders", 0, 0, "bad").dlqId());
            DlqResult r = c.replayDlq("orders", id);
            assertTrue(r.success(), r.message());
            assertEquals(2, all(c, "orders").size());
        }
    }

    @Test
    void aReplayInterruptedAfterItsCopyDoesNotCopyTwice() {
        try (TestBroker b = broker(dir, "dlq.max_retries", "0"); FlyMqClient c = client(b)) {
            c.createTopic("orders", 1);
            c.produce("orders", utf8("once"));
            String id = c.nack("billing", "orders", 0, 0, "bad").dlqId();
            // what a node that failed between the copy and the `replayed` record leaves behind
            List<Header> intent = List.of(header("flymq.dlq.kind", "replaying"), header("flymq.dlq.replay-of", id),
                    header("flymq.dlq.origin-partition", "0"), header("flymq.dlq.origin-end", "1"));
            c.batchProduce("orders.dlq", Acks.ALL, List.of(new PartitionRecords(0,
                    List.of(ProducerRecord.of("orders.dlq", new byte[0]).withHeaders(intent)))));
            c.produce("orders", utf8("once"));

            DlqResult r = c.replayDlq("orders", id);
            assertTrue(r.success(), r.message());
            assertTrue(r.message().endsWith("offset 1"), r.message());
            assertEquals(2, all(c, "orders").size());
        }
    }

    @Test
    void purgeEmptiesTheQueue() {
        try (TestBroker b = broker(dir, "dlq.max_retries", "0"); FlyMqClient c = client(b)) {
            for (int i = 0; i < 3; i++) {
                c.produce("orders", utf8("bad-" + i));
                c.nack("billing", "orders", 0, i, "bad");
            }
            assertEquals(3, c.fetchDlq("orders", 10).size());
            DlqResult r = c.purgeDlq("orders");
            assertTrue(r.success(), r.message());
            assertEquals(List.of(), c.fetchDlq("orders", 10));
            assertTrue(c.purgeDlq("orders").success());
            // a new dead letter after the purge starts a new queue
            c.produce("orders", utf8("bad-3"));
            c.nack("billing", "orders", 0, 3, "bad");
            assertEquals(List.of("bad-3"), c.fetchDlq("orders", 10).stream().map(DeadLetter::valueAsString).toList());
        }
    }

    @Test
    void failuresDeadLettersAndReplaysSurviveARestart() {
        try (TestBroker b = broker(dir)) {
            String id;
            try (FlyMqClient c = client(b)) {
                c.produce("orders", utf8("a"));
                c.produce("orders", utf8("b"));
                assertFalse(c.nack("billing", "orders", 0, 0, "e1").deadLettered());
                assertFalse(c.nack("billing", "orders", 0, 0, "e2").deadLettered());
                c.nack("billing", "orders", 0, 1, "x");
                c.nack("billing", "orders", 0, 1, "x");
                id = c.nack("billing", "orders", 0, 1, "x").dlqId();
                assertTrue(c.replayDlq("orders", id).success());
            }
            b.restart();
            try (FlyMqClient c = client(b)) {
                NackResult third = c.nack("billing", "orders", 0, 0, "e3");
                assertTrue(third.deadLettered(), "two failures before the restart count");
                assertEquals(List.of("a"), c.fetchDlq("orders", 10).stream().map(DeadLetter::valueAsString).toList());
                assertTrue(c.replayDlq("orders", id).message().startsWith("already replayed"));
                assertEquals(3, all(c, "orders").size());
            }
        }
    }

    @Test
    void aRecordBreakingItsSchemaInWarnModeIsStoredAndDeadLettered() {
        try (TestBroker b = broker(dir, "schema.enabled", "true", "schema.validation", "warn");
             FlyMqClient c = client(b)) {
            c.registerSchema("orders-value", "json", SchemaEnforcementTest.ORDER_SCHEMA);
            c.produce("orders", SchemaEnforcementTest.valid(1));
            c.produce("orders", utf8("key-2"), SchemaEnforcementTest.invalid(2));
            assertEquals(2, all(c, "orders").size(), "warn mode stores it");
            List<Message> dead = deadLetters(c, "orders.dlq");
            assertEquals(1, dead.size());
            Map<String, String> h = headers(dead.get(0));
            assertEquals(new String(SchemaEnforcementTest.invalid(2), StandardCharsets.UTF_8),
                    dead.get(0).valueAsString());
            assertEquals("key-2", dead.get(0).keyAsString());
            assertEquals("schema", h.get("flymq.dlq.reason"));
            assertEquals("orders", h.get("flymq.dlq.origin-topic"));
            assertEquals("-1", h.get("flymq.dlq.origin-offset"));
            assertTrue(h.get("flymq.dlq.error").startsWith("record rejected by schema 'orders-value' version 1"),
                    h.get("flymq.dlq.error"));
            assertEquals("0", h.get("flymq.dlq.retries"));
            // replay of a record that still breaks the schema: stored again and dead-lettered again (warn mode)
            assertTrue(c.replayDlq("orders", Long.toString(dead.get(0).offset())).success());
            assertEquals(3, all(c, "orders").size());
            assertEquals(1, c.fetchDlq("orders", 10).size());
        }
    }

    @Test
    void withoutDlqEnabledFetchIsEmptyAndTheRestSaySo() {
        try (TestBroker b = TestBroker.start(dir); FlyMqClient c = client(b)) {
            c.produce("orders", utf8("x"));
            assertEquals(List.of(), c.fetchDlq("orders", 10));
            DlqResult r = c.replayDlq("orders", "0");
            assertFalse(r.success());
            assertTrue(r.message().contains("dlq.enabled"), r.message());
            assertFalse(c.purgeDlq("orders").success());
        }
    }
}
