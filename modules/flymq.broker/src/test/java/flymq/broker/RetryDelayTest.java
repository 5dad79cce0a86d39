package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.ConsumerConfig;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqConsumer;
import flymq.client.FlyMqServerException;
import flymq.client.Message;
import flymq.client.NackResult;
import flymq.client.PartitionFetch;
import flymq.client.SubscribeMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retry delay after a failure is the broker's (docs/dlq.md, "Retry delay"): once a group reported a record
 * failed, no member of that group, on any connection, reads that partition before {@code dlq.retry_delay} has
 * passed; the hold survives a restart, and the record's dead-lettering after {@code dlq.max_retries} releases it.
 * The node's clock is a {@link TestClock}: while it stands still a hold cannot end, so an empty answer is the
 * hold's doing and not a race.
 */
class RetryDelayTest {
    private static final long DELAY = 60_000;

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(System.currentTimeMillis());

    private ClockedNode node(String maxRetries) {
        return new ClockedNode(dir, clock, "dlq.enabled", "true", "dlq.max_retries", maxRetries,
                "dlq.retry_delay", Long.toString(DELAY));
    }

    private FlyMqClient client(ClockedNode n) {
        return FlyMqClient.builder().bootstrap("127.0.0.1:" + n.node.boundPort()).clock(clock).build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(List<Message> ms) {
        return ms.stream().map(Message::valueAsString).toList();
    }

    /** Polls until {@code n} records came (the broker has them all: a few polls at most). */
    private static List<Message> poll(FlyMqConsumer c, int n) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < 50 && out.size() < n; i++) {
            out.addAll(c.poll(Duration.ofMillis(200)));
        }
        return out;
    }

    /** A connection that joined {@code group} on orders-0: its reads are that group's. */
    private FlyMqClient member(ClockedNode n, String group) {
        FlyMqClient c = client(n);
        c.subscribe("orders", group, 0, SubscribeMode.EARLIEST);
        return c;
    }

    @Test
    void aNewConsumerOfTheGroupGetsTheFailedRecordOnlyAfterTheRetryDelay() {
        try (ClockedNode n = node("3")) {
            n.client.createTopic("orders", 1);
            for (String v : List.of("a", "b", "c")) {
                n.client.produce("orders", utf8(v));
            }
            long failedAt = clock.millis();
            NackResult first;
            try (FlyMqClient ca = client(n);
                 FlyMqConsumer a = new FlyMqConsumer(ca, ConsumerConfig.forGroup("billing"))) {
                a.subscribe("orders");
                List<Message> got = poll(a, 3);
                assertEquals(List.of("a", "b", "c"), values(got));
                first = a.nack(got.get(1), "payment service timeout");
            } // closing commits its position: back at b
            assertFalse(first.deadLettered());
            assertEquals(1, first.failures());
            assertEquals(failedAt + DELAY, first.retryAtMs());

            try (FlyMqClient cb = client(n);
                 FlyMqConsumer b = new FlyMqConsumer(cb, ConsumerConfig.forGroup("billing"));
                 FlyMqClient sdkLike = member(n, "billing");
                 FlyMqClient audit = member(n, "audit")) {
                b.subscribe("orders");
                assertEquals(1, b.position("orders", 0));
                assertEquals(List.of(), b.poll(Duration.ofMillis(200)), "held: the clock has not moved");
                assertEquals(1, b.position("orders", 0));
                // every read path of the group, on another connection, is held alike (FETCH is the SDKs' poll)
                assertEquals(List.of(), sdkLike.fetch("orders", 0, 1, 10).records());
                assertEquals(1, sdkLike.fetch("orders", 0, 1, 10).nextOffset());
                assertEquals(List.of(), sdkLike.fetch("orders", 0, 0, 10).records(), "the whole partition is held");
                FlyMqServerException consume = assertThrows(FlyMqServerException.class,
                        () -> sdkLike.consume("orders", 0, 1));
                assertTrue(consume.serverMessage().startsWith("EOF: orders-0 is held for consumer group billing"),
                        consume.serverMessage());
                PartitionFetch batch = sdkLike.batchFetch("orders", List.of(new FetchPosition(0, 1)), 1 << 20).get(0);
                assertTrue(batch.ok(), batch.error());
                assertEquals(List.of(), batch.records());
                // another group, and a reader in no group, are not held
                assertEquals(List.of("b", "c"), values(audit.fetch("orders", 0, 1, 10).records()));
                assertEquals("b", n.client.consume("orders", 0, 1).valueAsString());

                clock.advance(Duration.ofMillis(DELAY - 1));
                assertEquals(List.of(), sdkLike.fetch("orders", 0, 1, 10).records(), "1 ms before the hold ends");
                clock.advance(Duration.ofMillis(1));
                List<Message> again = poll(b, 2);
                assertEquals(List.of("b", "c"), values(again), "the failed record first, then the ones after it");
                assertEquals(List.of("b", "c"), values(sdkLike.fetch("orders", 0, 1, 10).records()));

                NackResult second = b.nack(again.get(0), "still down");
                assertEquals(2, second.failures(), "the count goes on across consumers");
                assertEquals(clock.millis() + DELAY, second.retryAtMs());
                assertEquals(List.of(), sdkLike.fetch("orders", 0, 1, 10).records());
            }
        }
    }

    @Test
    void aRestartInTheMiddleOfTheDelayKeepsTheCountAndTheNotBeforeTime() {
        long failedAt = clock.millis();
        try (ClockedNode n = node("3")) {
            n.client.createTopic("orders", 1);
            n.client.produce("orders", utf8("a"));
            n.client.produce("orders", utf8("b"));
            NackResult r = n.client.nack("billing", "orders", 0, 0, "e1");
            assertEquals(1, r.failures());
            assertEquals(failedAt + DELAY, r.retryAtMs());
        }
        clock.advance(Duration.ofMillis(DELAY / 2));
        try (ClockedNode n = node("3")) {
            try (FlyMqClient member = member(n, "billing")) {
                assertEquals(List.of(), member.fetch("orders", 0, 0, 10).records(), "still held after the restart");
                clock.advance(Duration.ofMillis(DELAY / 2 - 1));
                assertEquals(List.of(), member.fetch("orders", 0, 0, 10).records(), "held until its not-before time");
                clock.advance(Duration.ofMillis(1));
                assertEquals(List.of("a", "b"), values(member.fetch("orders", 0, 0, 10).records()));
            }
            NackResult again = n.client.nack("billing", "orders", 0, 0, "e2");
            assertFalse(again.deadLettered());
            assertEquals(2, again.failures(), "the failure count survived the restart");
            assertEquals(failedAt + 2 * DELAY, again.retryAtMs());
        }
        try (ClockedNode n = node("3"); FlyMqClient member = member(n, "billing")) {
            assertEquals(List.of(), member.fetch("orders", 0, 0, 10).records(), "the second hold survived too");
        }
    }

    @Test
    void theFailureAfterMaxRetriesDeadLettersTheRecordWithItsHistoryAndReleasesTheHold() {
        try (ClockedNode n = node("1")) {
            n.client.createTopic("orders", 1);
            for (String v : List.of("a", "b", "c")) {
                n.client.produce("orders", utf8("k-" + v), utf8(v));
            }
            long firstAt = clock.millis();
            NackResult retry = n.client.nack("billing", "orders", 0, 1, "timeout");
            assertFalse(retry.deadLettered());
            clock.advance(Duration.ofMillis(DELAY));
            long lastAt = clock.millis();
            NackResult dead = n.client.nack("billing", "orders", 0, 1, "timeout again");
            assertTrue(dead.deadLettered());
            assertEquals(2, dead.failures());

            List<Message> queue = DeadLetterQueueTest.all(n.client, "orders.dlq");
            Map<String, String> retryHeaders = DeadLetterQueueTest.headers(queue.get(0));
            assertEquals("retry", retryHeaders.get("flymq.dlq.kind"));
            assertEquals(Long.toString(firstAt + DELAY), retryHeaders.get("flymq.dlq.not-before-ms"));
            List<Message> deadLetters = DeadLetterQueueTest.deadLetters(n.client, "orders.dlq");
            assertEquals(1, deadLetters.size());
            Message d = deadLetters.get(0);
            assertEquals("b", d.valueAsString());
            assertEquals("k-b", d.keyAsString());
            assertEquals(dead.dlqId(), Long.toString(d.offset()));
            Map<String, String> h = DeadLetterQueueTest.headers(d);
            assertEquals("orders", h.get("flymq.dlq.origin-topic"));
            assertEquals("0", h.get("flymq.dlq.origin-partition"));
            assertEquals("1", h.get("flymq.dlq.origin-offset"));
            assertEquals("timeout again", h.get("flymq.dlq.error"));
            assertEquals("1", h.get("flymq.dlq.retries"));
            assertEquals(Long.toString(firstAt), h.get("flymq.dlq.first-failure-ms"));
            assertEquals(Long.toString(lastAt), h.get("flymq.dlq.last-failure-ms"));
            assertEquals("max_retries", h.get("flymq.dlq.reason"));
            assertEquals("billing", h.get("flymq.dlq.group"));

            // a retry hold taken and then released by the dead letter, at the same instant: the group reads on
            NackResult c = n.client.nack("billing", "orders", 0, 2, "c fails once");
            assertFalse(c.deadLettered());
            try (FlyMqClient member = member(n, "billing")) {
                assertEquals(List.of(), member.fetch("orders", 0, 2, 10).records());
            }
            NackResult cDead = n.client.nack("billing", "orders", 0, 2, "c fails twice");
            assertTrue(cDead.deadLettered());
            try (FlyMqClient member = member(n, "billing")) {
                assertEquals(List.of("c"), values(member.fetch("orders", 0, 2, 10).records()),
                        "released by the dead letter, not by the clock");
            }
        }
    }
}
