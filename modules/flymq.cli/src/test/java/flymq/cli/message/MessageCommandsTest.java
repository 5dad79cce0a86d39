package flymq.cli.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.output.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageCommandsTest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Cli.Result withStdin(String input, String... args) {
        var saved = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return broker.run(args);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void produceOneValuePrintsWhereItWent() {
        broker.run("topic", "create", "single");
        var r = broker.run("produce", "single", "hello", "--key", "k1");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("produced to single partition 0 offset 0\n", r.out());
        var json = (Map<?, ?>) Json.parse(broker.run("produce", "single", "again", "-o", "json").out());
        assertEquals(List.of("topic", "partition", "offset", "timestamp"), List.copyOf(json.keySet()));
        assertEquals(1L, json.get("offset"));
    }

    @Test
    void produceWithTtlPrintsWhenTheRecordExpires() {
        broker.run("topic", "create", "expiring");
        var r = broker.run("produce", "expiring", "soon-gone", "--ttl", "1h");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().startsWith("produced to expiring partition 0 offset 0, expires at "), r.out());
        assertEquals("soon-gone\n", broker.run("consume", "expiring").out(), "readable until it expires");
        var lines = withStdin("a\nb\n", "produce", "expiring", "--ttl", "90s");
        assertEquals("produced 2 records to expiring (partitions [0])\n", lines.out());
    }

    @Test
    void produceWithDelayPrintsTheDelayIdAndWhenItIsDue() {
        broker.run("topic", "create", "later");
        var r = broker.run("produce", "later", "tomorrow", "--delay", "1d");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().matches("scheduled for later partition 0 at \\S+ \\(delay id \\d+\\)\n"), r.out());
        var json = (Map<?, ?>) Json.parse(broker.run("produce", "later", "x", "--delay", "2h", "-o", "json").out());
        assertEquals(List.of("topic", "partition", "delay_id", "deliver_at"), List.copyOf(json.keySet()));
        assertEquals("", broker.run("consume", "later").out(), "nothing is appended before it is due");
    }

    @Test
    void ttlAndDelayRefuseEachOtherAndBatchOptions() {
        assertEquals(ExitCode.USAGE, broker.run("produce", "t", "v", "--ttl", "1h", "--delay", "1m").code());
        assertEquals(ExitCode.USAGE, broker.run("produce", "t", "v", "--ttl", "1h", "--acks", "all").code());
        assertEquals(ExitCode.USAGE, broker.run("produce", "t", "v", "--delay", "1m", "-H", "a=b").code());
        assertEquals(ExitCode.USAGE, broker.run("produce", "t", "v", "--ttl", "0s").code());
    }

    @Test
    void produceWithoutValueWritesOneRecordPerStdinLine() {
        broker.run("topic", "create", "lines");
        var r = withStdin("one\ntwo\nthree\n", "produce", "lines");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("produced 3 records to lines (partitions [0])\n", r.out());
        assertEquals("one\ntwo\nthree\n", broker.run("consume", "lines").out());
    }

    @Test
    void transactionalProduceIsSeenWholeByReadCommittedConsumersAndAbortedNever() {
        broker.run("topic", "create", "tx-lines");
        var committed = withStdin("one\ntwo\n", "produce", "tx-lines", "--transactional");
        assertEquals(ExitCode.OK, committed.code(), committed.toString());
        assertTrue(committed.out().matches("produced 2 records to tx-lines \\(partitions \\[0]\\) in transaction "
                + "txn-[0-9]+ \\(committed\\)\n"), committed.out());
        var aborted = withStdin("gone\n", "produce", "tx-lines", "--transactional", "--abort");
        assertEquals(ExitCode.OK, aborted.code(), aborted.toString());
        assertTrue(aborted.out().endsWith("(aborted)\n"), aborted.out());
        broker.run("produce", "tx-lines", "three");
        assertEquals("one\ntwo\nthree\n", broker.run("consume", "tx-lines").out());
        assertEquals("one\ntwo\ngone\nthree\n",
                broker.run("consume", "tx-lines", "--isolation", "read_uncommitted").out());
        assertEquals(ExitCode.USAGE, broker.run("consume", "tx-lines", "--isolation", "dirty").code());
        assertEquals(ExitCode.USAGE, broker.run("produce", "tx-lines", "x", "--abort").code());
    }

    @Test
    void keyedRecordsGoToTheirHashPartition() {
        broker.run("topic", "create", "keyed", "--partitions", "3");
        // FNV-1a-32("user-123") mod 3 = 2 (wire spec, section 5)
        var r = broker.run("produce", "keyed", "v", "--key", "user-123");
        assertEquals("produced to keyed partition 2 offset 0\n", r.out());
    }

    @Test
    void consumePrintsValuesFromEarliestAndStopsAtTheEnd() {
        broker.run("topic", "create", "readable");
        withStdin("a\nb\nc\n", "produce", "readable", "--key", "K");
        var r = broker.run("consume", "readable", "--from", "earliest");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("a\nb\nc\n", r.out());
        assertEquals("a\nb\n", broker.run("consume", "readable", "--max", "2").out());
        assertEquals("c\n", broker.run("consume", "readable", "--from", "2").out());
        assertEquals("", broker.run("consume", "readable", "--from", "latest").out());
        assertEquals("K\ta\n", broker.run("consume", "readable", "--max", "1", "--show-key").out());
        assertEquals("readable/0@1 K=b|", broker.run("consume", "readable", "--from", "1", "--max", "1",
                "--format", "%t/%p@%o %k=%s|").out());
    }

    @Test
    void consumeJsonPrintsOneDocumentPerRecord() {
        broker.run("topic", "create", "jsonable");
        long before = System.currentTimeMillis();
        broker.run("produce", "jsonable", "{\"id\":1}", "--key", "c7");
        var r = broker.run("consume", "jsonable", "-o", "json");
        var doc = (Map<?, ?>) Json.parse(r.out().strip());
        assertEquals(List.of("topic", "partition", "offset", "timestamp", "key", "value", "headers"),
                List.copyOf(doc.keySet()));
        assertEquals("c7", doc.get("key"));
        assertEquals("{\"id\":1}", doc.get("value"));
        assertEquals(0L, doc.get("offset"));
        assertEquals(List.of(), doc.get("headers"));
        long timestamp = (Long) doc.get("timestamp");
        assertTrue(timestamp >= before - 1000 && timestamp <= System.currentTimeMillis(),
                "timestamp " + timestamp + " is not the produce time (from " + before + ")");
    }

    @Test
    void consumeJsonShowsTheHeadersProducedWithHeaderOptions() {
        broker.run("topic", "create", "headers-json");
        var produced = broker.run("produce", "headers-json", "v1", "--key", "k1", "--header", "traceparent=00-abc-01",
                "--header", "origin=cli");
        assertEquals(ExitCode.OK, produced.code(), produced.toString());
        var r = broker.run("consume", "headers-json", "--output", "json");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var doc = (Map<?, ?>) Json.parse(r.out().strip());
        assertEquals(List.of(Map.of("key", "traceparent", "value", "00-abc-01"), Map.of("key", "origin", "value", "cli")),
                doc.get("headers"));
        assertEquals("k1", doc.get("key"));
        assertEquals("v1", doc.get("value"));
        assertEquals(0L, doc.get("partition"));
        assertTrue((Long) doc.get("timestamp") > 0, doc.toString());
    }

    @Test
    void consumeFormatPrintsHeadersAndTimestamps() {
        broker.run("topic", "create", "headers-format");
        broker.run("produce", "headers-format", "v", "-H", "a=1", "-H", "b=2");
        broker.run("produce", "headers-format", "plain");
        var r = broker.run("consume", "headers-format", "--format", "%o [%h] %s %T\\n");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("0 [a=1,b=2] v "), lines.get(0));
        assertTrue(lines.get(1).startsWith("1 [] plain "), lines.get(1));
        long ts = Long.parseLong(lines.get(1).substring(lines.get(1).lastIndexOf(' ') + 1));
        assertTrue(ts > 0, lines.get(1));
    }

    @Test
    void consumeFromATimestampStartsAtTheFirstRecordAtOrAfterIt() throws InterruptedException {
        broker.run("topic", "create", "timed");
        broker.run("produce", "timed", "old");
        var first = (Map<?, ?>) Json.parse(broker.run("consume", "timed", "-o", "json").out().strip());
        long oldTs = (Long) first.get("timestamp");
        long later = oldTs + 1;
        while (System.currentTimeMillis() <= later) {
            Thread.sleep(2);
        }
        broker.run("produce", "timed", "new");
        assertEquals("new\n", broker.run("consume", "timed", "--from", Long.toString(later))
                .out());
        assertEquals("old\nnew\n", broker.run("consume", "timed", "--from", Long.toString(oldTs)).out());
        // with a group the seek position is committed, so the group's next run has nothing left
        assertEquals("new\n", broker.run("consume", "timed", "--group", "tg", "--from", Long.toString(later)).out());
        assertEquals("", broker.run("consume", "timed", "--group", "tg").out());
    }

    @Test
    void consumeWithAGroupContinuesWhereTheLastRunStopped() {
        broker.run("topic", "create", "grouped", "--partitions", "2");
        withStdin("1\n2\n3\n4\n", "produce", "grouped");
        var first = broker.run("consume", "grouped", "--group", "g1", "--max", "3");
        var second = broker.run("consume", "grouped", "--group", "g1");
        assertEquals(3, first.out().lines().count(), first.toString());
        assertEquals(1, second.out().lines().count(), second.toString());
        assertEquals(List.of("1", "2", "3", "4"), java.util.stream.Stream.concat(first.out().lines(),
                second.out().lines()).sorted().toList());
        assertEquals("", broker.run("consume", "grouped", "--group", "g1").out());
    }

    @Test
    void consumingAMissingTopicOrPartitionFails() {
        var r = broker.run("consume", "ghost");
        assertEquals(ExitCode.FAILED, r.code(), r.toString());
        assertTrue(r.err().contains("topic 'ghost' does not exist"), r.err());
        broker.run("topic", "create", "narrow");
        var p = broker.run("consume", "narrow", "--partition", "5");
        assertEquals(ExitCode.FAILED, p.code(), p.toString());
        assertTrue(p.err().contains("has no partition 5"), p.err());
    }

    @Test
    void headersTravelWithTheBatchProduceExtension() {
        broker.run("topic", "create", "headed", "--partitions", "3");
        var r = broker.run("produce", "headed", "v", "--key", "user-123", "--header", "traceparent=00-abc-01",
                "-H", "origin=cli");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        // the key decides the partition as for a plain produce: FNV-1a-32("user-123") mod 3 = 2
        assertEquals("produced to headed partition 2 offset 0\n", r.out());
        try (var client = flymq.client.FlyMqClient.connect(broker.server())) {
            var fetched = client.batchFetch("headed", List.of(new flymq.client.FetchPosition(2, 0)), 1 << 16);
            var record = fetched.getFirst().records().getFirst();
            assertEquals("v", record.valueAsString());
            assertEquals(List.of("traceparent=00-abc-01", "origin=cli"), record.headers().stream()
                    .map(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8)).toList());
        }
    }

    @Test
    void acksSendsTheLinesAsOneBatchThatTheBrokerAnswersWithOffsets() {
        broker.run("topic", "create", "durable");
        var r = withStdin("one\ntwo\n", "produce", "durable", "--acks", "all");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("produced 2 records to durable (partitions [0])\n", r.out());
        var single = broker.run("produce", "durable", "three", "--acks", "-1");
        assertEquals("produced to durable partition 0 offset 2\n", single.out());
        assertEquals("one\ntwo\nthree\n", broker.run("consume", "durable").out());
    }

    @Test
    void retryOptionsAreTakenAndAnIdempotentBatchIsWrittenOnce() {
        broker.run("topic", "create", "retried");
        var r = withStdin("one\ntwo\n", "produce", "retried", "--acks", "all", "--partition", "0", "--retries", "3",
                "--retry-backoff-ms", "10", "--delivery-timeout-ms", "5000");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("produced 2 records to retried (partitions [0])\n", r.out());
        var plain = broker.run("produce", "retried", "three", "--retries", "0", "--no-idempotence");
        assertEquals(ExitCode.OK, plain.code(), plain.toString());
        assertEquals("one\ntwo\nthree\n", broker.run("consume", "retried").out());
    }

    @Test
    void badRetryOptionsAreUsageErrors() {
        var r = broker.run("produce", "t", "v", "--delivery-timeout-ms", "0");
        assertEquals(ExitCode.USAGE, r.code());
        assertTrue(r.err().contains("--delivery-timeout-ms must be >= 1, got 0"), r.err());
    }
}
