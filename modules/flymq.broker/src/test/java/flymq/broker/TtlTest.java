package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.node.BrokerNode;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.Message;
import flymq.client.PartitionFetch;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.client.SubscribeMode;
import flymq.protocol.Acks;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.TimedProduceRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records with a time to live (PRODUCE_WITH_TTL, ttl.default_ttl) on a node whose clock the test moves: before their
 * expiry every read path serves them, from it on none does (FETCH, CONSUME, BATCH_FETCH through the client), lag
 * leaves them out, restarts keep the expiry, and retention deletes segments whose records all expired.
 */
class TtlTest {
    static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path dir;
    final TestClock clock = new TestClock(T0);
    BrokerNode node;
    FlyMqClient client;

    ClockedNode clocked;

    void start(String... extraFlags) {
        clocked = new ClockedNode(dir, clock, extraFlags);
        node = clocked.node;
        client = clocked.client;
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

    static List<String> values(List<Message> messages) {
        return messages.stream().map(Message::valueAsString).toList();
    }

    List<String> fetched(String topic) {
        return values(client.fetch(topic, 0, 0, 100).records());
    }

    PartitionFetch batchFetched(String topic) {
        return client.batchFetch(topic, List.of(new FetchPosition(0, 0)), 1 << 20).get(0);
    }

    void produceThreeWithTheMiddleExpiringIn(String topic, Duration ttl) {
        client.createTopic(topic, 1);
        client.produce(topic, utf8("a"));
        var md = client.produceWithTtl(topic, utf8("b"), ttl);
        assertEquals(1, md.offset());
        assertEquals(T0, md.timestamp(), "the record's timestamp is the node's clock");
        client.produce(topic, utf8("c"));
    }

    @Test
    void aRecordIsServedUntilItsTimeToLiveRunsOutAndThenByNoReadPath() {
        start();
        produceThreeWithTheMiddleExpiringIn("t", Duration.ofHours(1));

        assertEquals(List.of("a", "b", "c"), fetched("t"));
        assertEquals("b", client.consume("t", 0, 1).valueAsString());
        assertEquals(List.of("a", "b", "c"), values(batchFetched("t").records()));

        clock.advance(Duration.ofHours(1).minusMillis(1));
        assertEquals(List.of("a", "b", "c"), fetched("t"), "one millisecond before its expiry it is still served");

        clock.advance(Duration.ofMillis(1));
        var fetch = client.fetch("t", 0, 0, 100);
        assertEquals(List.of("a", "c"), values(fetch.records()));
        assertEquals(3, fetch.nextOffset());
        assertEquals(List.of("c"), values(client.fetch("t", 0, 1, 100).records()), "a fetch starting at it");
        var e = assertThrows(FlyMqServerException.class, () -> client.consume("t", 0, 1));
        assertTrue(e.serverMessage().startsWith("EOF: the record at offset 1 in t-0 expired at"), e.serverMessage());
        assertEquals("c", client.consume("t", 0, 2).valueAsString());
        PartitionFetch batch = batchFetched("t");
        assertEquals(List.of("a", "c"), values(batch.records()));
        assertEquals(3, batch.nextOffset(0));
        assertEquals(3, node.view().timedRecords().expiredSkipped(), "two FETCHes and one CONSUME passed it over");
    }

    @Test
    void batchFetchMovesPastATailOfExpiredRecords() {
        start();
        client.createTopic("tail", 1);
        client.produce("tail", utf8("live"));
        client.produceWithTtl("tail", utf8("x"), Duration.ofSeconds(1));
        client.produceWithTtl("tail", utf8("y"), Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(2));
        PartitionFetch batch = batchFetched("tail");
        assertEquals(List.of("live"), values(batch.records()));
        assertEquals(3, batch.nextOffset(0), "the next fetch starts after the expired records, not at them");
    }

    @Test
    void lagLeavesExpiredRecordsOut() {
        start();
        produceThreeWithTheMiddleExpiringIn("lag", Duration.ofMinutes(5));
        client.subscribe("lag", "g", 0, SubscribeMode.EARLIEST);
        client.commit("lag", "g", 0, 0);
        assertEquals(3, client.getLag("lag", "g", 0).lag());
        clock.advance(Duration.ofMinutes(5));
        assertEquals(2, client.getLag("lag", "g", 0).lag());
        client.commit("lag", "g", 0, 2);
        assertEquals(1, client.getLag("lag", "g", 0).lag(), "only records at or after the commit count");
        assertEquals(1, node.view().groups().get(0).partitions().get(0).lag(), "the metrics' lag agrees");
    }

    @Test
    void theExpiryIsStoredWithTheRecordAndSurvivesARestart() {
        start();
        produceThreeWithTheMiddleExpiringIn("durable", Duration.ofMinutes(10));
        clocked.close();
        clock.advance(Duration.ofMinutes(9));
        start();
        assertEquals(List.of("a", "b", "c"), fetched("durable"));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(List.of("a", "c"), fetched("durable"));
        clocked.close();
        start();
        assertEquals(List.of("a", "c"), fetched("durable"), "and stays expired after another restart");
    }

    @Test
    void theDefaultTimeToLiveAppliesToRecordsProducedWithoutOne() {
        start("ttl.default_ttl", "60");
        client.createTopic("d", 1);
        client.produce("d", utf8("plain"));
        client.produceWithTtl("d", utf8("own"), Duration.ofHours(1));
        clock.advance(Duration.ofSeconds(60));
        assertEquals(List.of("own"), fetched("d"), "the default counts from the produce; its own TTL wins");
    }

    @Test
    void batchedRecordsCarryTheirTimeToLiveInTheReservedHeader() {
        start();
        client.createTopic("batched", 1);
        var answers = client.batchProduce("batched", Acks.LEADER, List.of(new PartitionRecords(0, List.of(
                ProducerRecord.of("batched", utf8("brief")).withTtl(Duration.ofMinutes(1)),
                ProducerRecord.of("batched", utf8("lasting"))))));
        assertTrue(answers.get(0).ok(), answers.get(0).error());
        List<Message> stored = batchFetched("batched").records();
        assertEquals(List.of("brief", "lasting"), values(stored));
        assertEquals(List.of(), stored.get(0).headers(), "the broker takes the header off");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(List.of("lasting"), fetched("batched"));
    }

    @Test
    void aTopicsOwnTimeToLiveComesBeforeTheBrokerDefaultAndSurvivesARestart() {
        start("ttl.default_ttl", "3600");
        client.createTopic("own", 1, -1, Duration.ofMinutes(1));
        client.createTopic("never", 1, -1, Duration.ZERO);
        client.createTopic("default", 1);
        for (String t : List.of("own", "never", "default")) {
            client.produce(t, utf8(t + "-1"));
        }
        client.produceWithTtl("never", utf8("own-ttl"), Duration.ofSeconds(30));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(List.of(), fetched("own"));
        assertEquals(List.of("never-1"), fetched("never"), "a record's own TTL still wins over the topic's");
        assertEquals(List.of("default-1"), fetched("default"));
        clock.advance(Duration.ofHours(1));
        assertEquals(List.of(), fetched("default"), "ttl.default_ttl applies to a topic without its own");
        assertEquals(List.of("never-1"), fetched("never"));

        clocked.close();
        start("ttl.default_ttl", "3600");
        client.produce("own", utf8("own-2"));
        assertEquals(List.of("own-2"), fetched("own"));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(List.of(), fetched("own"), "the topic's TTL is kept in topics.json");
    }

    @Test
    void retentionDeletesSegmentsWhoseRecordsHaveAllExpired() throws Exception {
        start("segment_bytes", "1024");
        client.createTopic("r", 1);
        for (int i = 0; i < 40; i++) {
            client.produceWithTtl("r", utf8("expiring-record-" + i), Duration.ofMinutes(1));
        }
        client.produce("r", utf8("keeper"));
        assertEquals(0, batchFetched("r").startOffset());
        clock.advance(Duration.ofMinutes(2));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long start;
        do {
            Thread.sleep(50); // the storage housekeeping pass runs every second on its own thread
            start = batchFetched("r").startOffset();
        } while (start == 0 && System.nanoTime() < deadline);
        assertTrue(start > 0, "no all-expired segment was deleted");
        assertTrue(start <= 40, "the segment holding the live record stays, start offset " + start);
        assertEquals(List.of("keeper"), values(client.fetch("r", 0, 0, 100).records()));
    }

    @Test
    void aTimeToLiveMustBePositive() throws Exception {
        start();
        try (WireClient c = new WireClient(node.boundPort())) {
            for (long ttl : new long[] {0, -5}) {
                PayloadWriter w = new PayloadWriter(64);
                TimedProduceRequest.of("neg", utf8("v"), ttl).write(w);
                WireClient.Frame f = c.call(Opcodes.PRODUCE_WITH_TTL, w.toPayload());
                assertEquals(Opcodes.ERROR, f.opcode());
                assertEquals("invalid ttl_ms " + ttl + " for topic neg: expected > 0 (a record without a time to "
                        + "live is a plain PRODUCE)", f.errorText());
            }
        }
    }
}
