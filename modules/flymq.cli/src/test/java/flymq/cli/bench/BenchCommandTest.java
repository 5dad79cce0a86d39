package flymq.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.node.BrokerNode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `flymq bench` against an in-process broker, with tiny record counts (shape and exit codes, not speed). */
class BenchCommandTest {
    @TempDir
    Path dir;
    BrokerNode broker;
    String server;

    @BeforeEach
    void start() {
        broker = BrokerNode.start(BrokerConfig.load(null, Map.of(), Map.of("bind_addr", "127.0.0.1:0",
                "data_dir", dir.toString())), BrokerListener.NONE);
        server = "127.0.0.1:" + broker.boundPort();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FlyMq.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @SuppressWarnings("unchecked")
    private static void assertSummaryShape(String json, long records) {
        Map<String, Object> m = (Map<String, Object>) Json.parse(json.strip());
        assertEquals(records, ((Number) m.get("records")).longValue());
        assertTrue(((Number) m.get("records_per_sec")).doubleValue() > 0);
        assertTrue(m.get("mb_per_sec") instanceof Number);
        Map<String, Object> lat = (Map<String, Object>) m.get("latency_ms");
        for (String k : List.of("avg", "p50", "p95", "p99", "p999", "max")) {
            assertTrue(lat.get(k) instanceof Number, "latency_ms." + k + " in " + json);
        }
    }

    @Test
    void produceJsonSummaryHasTheDocumentedKeys() {
        Run r = run("bench", "produce", "--server", server, "--topic", "b", "--records", "300",
                "--record-size", "10", "--output", "json");
        assertEquals(0, r.code(), r.err());
        assertSummaryShape(r.out(), 300);
    }

    @Test
    void singleModeProducesEveryRecordWithOneRoundTripEach() {
        Run r = run("bench", "produce", "--server", server, "--topic", "s", "--records", "50", "--single",
                "--output", "json");
        assertEquals(0, r.code(), r.err());
        assertSummaryShape(r.out(), 50);
    }

    @Test
    void pingpongTimesEveryRoundTripOnEitherKindOfServerThread() {
        for (String kind : List.of("platform", "virtual")) {
            Run r = run("bench", "pingpong", "--round-trips", "500", "--server-thread", kind, "--output", "json");
            assertEquals(0, r.code(), r.err());
            assertSummaryShape(r.out(), 500);
        }
    }

    @Test
    void singleModeWorksWithAndWithoutReadSpin() {
        for (String spin : List.of("0", "10000")) {
            Run r = run("bench", "produce", "--server", server, "--topic", "spin" + spin, "--records", "50",
                    "--single", "--read-spin-us", spin, "--output", "json");
            assertEquals(0, r.code(), r.err());
            assertSummaryShape(r.out(), 50);
        }
    }

    @Test
    void readSpinOutsideItsRangeIsAUsageError() {
        Run produce = run("bench", "produce", "--server", server, "--single", "--read-spin-us", "10001");
        assertEquals(2, produce.code());
        assertTrue(produce.err().contains("--read-spin-us must be 0..10000"), produce.err());
        Run pingpong = run("bench", "pingpong", "--read-spin-us", "-1");
        assertEquals(2, pingpong.code());
        assertTrue(pingpong.err().contains("--read-spin-us must be 0..10000"), pingpong.err());
    }

    @Test
    void pingpongWithReadSpinTimesEveryRoundTrip() {
        Run r = run("bench", "pingpong", "--round-trips", "500", "--read-spin-us", "50", "--output", "json");
        assertEquals(0, r.code(), r.err());
        assertSummaryShape(r.out(), 500);
    }

    @Test
    void pingpongAtARateTakesAtLeastTheTimeItsScheduleSpans() {
        long t0 = System.nanoTime();
        Run r = run("bench", "pingpong", "--round-trips", "101", "--rate", "1000", "--output", "json");
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.code(), r.err());
        assertSummaryShape(r.out(), 101);
        // the last of 101 round trips is due 100 ms after the first: a schedule that was ignored ends sooner
        assertTrue(elapsedMs >= 100, "101 round trips at 1000/s took " + elapsedMs + " ms");
        Run negative = run("bench", "pingpong", "--rate", "-5");
        assertEquals(2, negative.code());
        assertTrue(negative.err().contains("--rate must be >= 0"), negative.err());
    }

    @Test
    void pingpongRejectsAnUnknownThreadKind() {
        Run r = run("bench", "pingpong", "--server-thread", "green");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("platform or virtual"), r.err());
    }

    @Test
    void consumeReadsWhatProduceWrote() {
        assertEquals(0, run("bench", "produce", "--server", server, "--topic", "c", "--records", "200",
                "--partitions", "2", "--producers", "2", "--acks", "all").code());
        Run r = run("bench", "consume", "--server", server, "--topic", "c", "--records", "200", "--output", "json");
        assertEquals(0, r.code(), r.err());
        assertSummaryShape(r.out(), 200);
    }

    @Test
    void aWarmUpReadsUntimedThenTheTimedRunStartsOverFromTheBeginning() {
        assertEquals(0, run("bench", "produce", "--server", server, "--topic", "w", "--records", "200").code());
        Run r = run("bench", "consume", "--server", server, "--topic", "w", "--warmup-records", "150",
                "--records", "200", "--timeout", "2s", "--output", "json");
        assertEquals(0, r.code(), r.err());
        assertSummaryShape(r.out(), 200);
    }

    @Test
    void aWarmUpLongerThanTheTopicFailsAndSaysSo() {
        assertEquals(0, run("bench", "produce", "--server", server, "--topic", "short", "--records", "20").code());
        Run r = run("bench", "consume", "--server", server, "--topic", "short", "--warmup-records", "50",
                "--timeout", "500ms");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("fewer than --warmup-records 50"), r.err());
    }

    @Test
    void textSummaryLooksLikeKafkasPerfTool() {
        Run r = run("bench", "produce", "--server", server, "--topic", "t", "--records", "20");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("20 records sent, "), r.out());
        assertTrue(r.out().contains("99.9th"), r.out());
    }

    @Test
    void unreachableBrokerExitsWith3() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertEquals(3, run("bench", "produce", "--server", "127.0.0.1:" + port, "--records", "1").code());
    }

    @Test
    void badAcksIsAUsageError() {
        assertEquals(2, run("bench", "produce", "--server", server, "--acks", "most").code());
    }

    @Test
    @SuppressWarnings("unchecked")
    void produceSummaryReportsWhatDeliveryCost() {
        Run r = run("bench", "produce", "--server", server, "--topic", "d", "--records", "100", "--acks", "all",
                "--retries", "3", "--retry-backoff-ms", "10", "--delivery-timeout-ms", "30000", "--output", "json");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = (Map<String, Object>) Json.parse(r.out().strip());
        assertEquals(0L, ((Number) m.get("failed")).longValue());
        assertEquals(0L, ((Number) m.get("retried_batches")).longValue());
        assertTrue(m.get("max_ack_gap_ms") instanceof Number, r.out());
    }

    @Test
    void recordsThatFailForGoodAreCountedAndExitWith1() throws Exception {
        // a strict schema refuses the bench's random letters: a permanent refusal, never retried
        Path schemaDir = dir.resolve("strict");
        BrokerNode strict = BrokerNode.start(BrokerConfig.load(null, Map.of(), Map.of("bind_addr", "127.0.0.1:0",
                "data_dir", schemaDir.toString(), "schema.enabled", "true", "schema.validation", "strict")),
                BrokerListener.NONE);
        try {
            String at = "127.0.0.1:" + strict.boundPort();
            Path schema = dir.resolve("int.json");
            java.nio.file.Files.writeString(schema, "{\"type\":\"integer\"}");
            assertEquals(0, run("schema", "register", "ints-value", "--type", "json", "--file", schema.toString(),
                    "--server", at).code());
            Run bad = run("bench", "produce", "--server", at, "--topic", "ints", "--records", "5", "--linger-ms",
                    "0", "--record-size", "4");
            assertEquals(1, bad.code(), bad.err());
            assertTrue(bad.err().contains("5 record(s) failed; the first:"), bad.err());
            assertTrue(bad.out().contains("5 records failed, 0 batches retried"), bad.out());
        } finally {
            strict.close();
        }
    }

    @Test
    void badRetryOptionsAreUsageErrors() {
        Run r = run("bench", "produce", "--server", server, "--retries", "-1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--retries must be >= 0, got -1"), r.err());
        Run b = run("bench", "produce", "--server", server, "--retry-backoff-ms", "0");
        assertEquals(2, b.code());
        assertTrue(b.err().contains("--retry-backoff-ms must be >= 1, got 0"), b.err());
    }
}
