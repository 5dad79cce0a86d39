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
    void produceWithoutValueWritesOneRecordPerStdinLine() {
        broker.run("topic", "create", "lines");
        var r = withStdin("one\ntwo\nthree\n", "produce", "lines");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("produced 3 records to lines (partitions [0])\n", r.out());
        assertEquals("one\ntwo\nthree\n", broker.run("consume", "lines").out());
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
        broker.run("produce", "jsonable", "{\"id\":1}", "--key", "c7");
        var r = broker.run("consume", "jsonable", "-o", "json");
        var doc = (Map<?, ?>) Json.parse(r.out().strip());
        assertEquals(List.of("topic", "partition", "offset", "timestamp", "key", "value"), List.copyOf(doc.keySet()));
        assertEquals("c7", doc.get("key"));
        assertEquals("{\"id\":1}", doc.get("value"));
        assertEquals(0L, doc.get("offset"));
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
        try (var client = flymq.broker.client.FlyMqClient.connect(broker.server())) {
            var fetched = client.batchFetch("headed", List.of(new flymq.broker.client.FetchPosition(2, 0)), 1 << 16);
            var record = fetched.getFirst().records().getFirst();
            assertEquals("v", record.valueAsString());
            assertEquals(List.of("traceparent=00-abc-01", "origin=cli"), record.headers().stream()
                    .map(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8)).toList());
        }
    }
}
