package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The producer's retries against a scripted server (no broker): what is retried, how, and when it stops. */
class ProducerRetryTest {

    /** Fails the first {@code failures} BATCH_PRODUCE requests as {@code failure} says, then appends in order. */
    private static final class FlakyServer {
        final AtomicInteger seen = new AtomicInteger();
        final IntFunction<String> failure;
        final int failures;
        long next;

        FlakyServer(int failures, IntFunction<String> failure) {
            this.failures = failures;
            this.failure = failure;
        }

        /** null closes the connection (the script's way to drop it). */
        synchronized byte[] answer(ScriptedServer.Request r) {
            BatchProduceRequest req = BatchProduceRequest.read(new PayloadReader(r.payload()));
            int n = seen.incrementAndGet();
            String error = n <= failures ? failure.apply(n) : "";
            if (error == null) {
                return null;
            }
            List<BatchProduceResponse.GroupResult> results = new ArrayList<>();
            for (BatchProduceRequest.Group g : req.groups()) {
                if (!error.isEmpty()) {
                    results.add(BatchProduceResponse.GroupResult.failed(g.partition(), g.recordCount(), error));
                } else {
                    results.add(BatchProduceResponse.GroupResult.appended(g.partition(), next, g.recordCount()));
                    next += g.recordCount();
                }
            }
            return ScriptedServer.batchProduceAnswer(req.topic(), results);
        }
    }

    /** Batches are sent only by {@code flush()} (an hour's linger), so each test knows its requests. */
    static ProducerConfig quick(Acks acks) {
        return ProducerConfig.defaults().withAcks(acks).withLinger(Duration.ofHours(1)).withMaxInFlight(1)
                .withRetryBackoff(Duration.ofMillis(5)).withDeliveryTimeout(Duration.ofSeconds(20));
    }

    /** Ten records to partition 0, one batch, sent by the flush. */
    private static List<CompletableFuture<RecordMetadata>> sendTen(FlyMqProducer producer) {
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(producer.send(ProducerRecord.of("t", ("r" + i).getBytes(StandardCharsets.UTF_8))
                    .withPartition(0)));
        }
        producer.flush();
        return sent;
    }

    private static void assertAppendedInOrder(List<CompletableFuture<RecordMetadata>> sent) throws Exception {
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(i, sent.get(i).get(10, TimeUnit.SECONDS).offset(), "record " + i);
        }
    }

    private static BatchProduceRequest request(ScriptedServer server, int i) {
        return BatchProduceRequest.read(new PayloadReader(server.requests.get(i).payload()));
    }

    @Test
    void aNotLeaderAnswerWithoutALeaderIsRetriedThroughTheSameServerWithTheSameSequence() throws Exception {
        FlakyServer script = new FlakyServer(2, n -> "not leader: leader_id= leader_addr= (topic t partition 0)");
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.ALL))) {
            List<CompletableFuture<RecordMetadata>> sent = sendTen(producer);
            assertAppendedInOrder(sent);
            assertEquals(1, server.connectionsAccepted(), "an election in progress: same server, same connection");
            assertEquals(2, producer.retriedBatches());
            assertEquals(3, server.requests.size());
            // every try of the first batch carries the producer id and the sequence of its first record
            BatchProduceRequest first = request(server, 0);
            assertTrue(first.idempotent());
            assertEquals(producer.producerId(), first.producerId());
            assertEquals(0, first.groups().getFirst().firstSequence());
            for (int i = 1; i < 3; i++) {
                assertEquals(first.producerId(), request(server, i).producerId());
                assertEquals(0, request(server, i).groups().getFirst().firstSequence(), "try " + i);
                assertEquals(first.groups().getFirst().recordCount(), request(server, i).groups().getFirst()
                        .recordCount());
            }
        }
    }

    @Test
    void aBatchWhoseConnectionBrokeIsSentAgainOnANewConnection() throws Exception {
        FlakyServer script = new FlakyServer(1, n -> null);
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.ALL))) {
            List<CompletableFuture<RecordMetadata>> sent = sendTen(producer);
            assertAppendedInOrder(sent);
            assertEquals(2, server.connectionsAccepted());
            assertEquals(request(server, 0).groups().getFirst().firstSequence(),
                    request(server, 1).groups().getFirst().firstSequence());
        }
    }

    @Test
    void laterBatchesGetTheFollowingSequences() throws Exception {
        FlakyServer script = new FlakyServer(0, n -> "");
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.ALL))) {
            producer.send(ProducerRecord.of("t", new byte[1]).withPartition(0));
            producer.flush();
            producer.send(ProducerRecord.of("t", new byte[1]).withPartition(0));
            producer.send(ProducerRecord.of("t", new byte[1]).withPartition(0));
            producer.flush();
            producer.send(ProducerRecord.of("t", new byte[1]).withPartition(1));
            producer.flush();
            int expected = 0;
            for (int i = 0; i < server.requests.size(); i++) {
                BatchProduceRequest.Group g = request(server, i).groups().getFirst();
                if (g.partition() == 0) {
                    assertEquals(expected, g.firstSequence(), "request " + i);
                    expected += g.recordCount();
                } else {
                    assertEquals(0, g.firstSequence(), "each partition counts from 0");
                }
            }
            assertEquals(3, expected);
        }
    }

    @Test
    void withAcksLeaderRetriesCarryNoProducerId() throws Exception {
        FlakyServer script = new FlakyServer(1, n -> "not leader: leader_id= leader_addr=");
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.LEADER))) {
            assertAppendedInOrder(sendTen(producer));
            assertFalse(request(server, 0).idempotent(), "at least once: acks leader cannot be deduplicated");
            assertFalse(request(server, 1).idempotent());
        }
    }

    @Test
    void withoutRetriesTheFirstFailureFailsTheRecords() throws Exception {
        FlakyServer script = new FlakyServer(1, n -> "not leader: leader_id= leader_addr=");
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.ALL).withRetries(0))) {
            List<CompletableFuture<RecordMetadata>> sent = sendTen(producer);
            ExecutionException e = assertThrows(ExecutionException.class, () -> sent.getFirst().get(10,
                    TimeUnit.SECONDS));
            assertInstanceOf(NotLeaderException.class, e.getCause());
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void aPermanentRefusalIsNotRetried() throws Exception {
        FlakyServer script = new FlakyServer(1, n -> "partition 0 not found: topic t has 0 partition(s)");
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.ALL))) {
            List<CompletableFuture<RecordMetadata>> sent = sendTen(producer);
            ExecutionException e = assertThrows(ExecutionException.class, () -> sent.getFirst().get(10,
                    TimeUnit.SECONDS));
            assertEquals("partition 0 not found: topic t has 0 partition(s)",
                    ((FlyMqServerException) e.getCause()).serverMessage());
            assertEquals(0, producer.retriedBatches());
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void retriesStopAtTheDeliveryTimeoutWithTheLastError() throws Exception {
        FlakyServer script = new FlakyServer(Integer.MAX_VALUE, n -> "not leader: leader_id= leader_addr=");
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.ALL)
                     .withDeliveryTimeout(Duration.ofMillis(300)).withRetryBackoff(Duration.ofMillis(20)))) {
            List<CompletableFuture<RecordMetadata>> sent = sendTen(producer);
            ExecutionException e = assertThrows(ExecutionException.class, () -> sent.getFirst().get(10,
                    TimeUnit.SECONDS));
            assertInstanceOf(NotLeaderException.class, e.getCause());
            assertTrue(server.requests.size() >= 2, server.requests.size() + " tries");
        }
    }

    @Test
    void anAnswerNamingALeaderSendsThePartitionsRetryThereAndLeavesTheClientWhereItWas() throws Exception {
        FlakyServer leaderScript = new FlakyServer(0, n -> "");
        try (ScriptedServer leader = new ScriptedServer(leaderScript::answer);
             ScriptedServer follower = new ScriptedServer(new FlakyServer(Integer.MAX_VALUE,
                     n -> "not leader: leader_id=n2 leader_addr=" + leader.address())::answer);
             FlyMqClient client = FlyMqClient.connect(follower.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick(Acks.ALL))) {
            assertAppendedInOrder(sendTen(producer));
            // the follower names no leader in its metadata (it has none): the answer's leader is where the retry goes
            assertEquals(1, follower.requests.size());
            assertEquals(1, leader.requests.size());
            assertEquals(0, request(leader, 0).groups().getFirst().firstSequence(), "the retry keeps its sequence");
            assertEquals(follower.address(), client.connectedServer(), "the given client stays where it was");
        }
    }

    @Test
    void whileABatchWaitsForItsRetryThePartitionsNextRecordsFillOneBatch() throws Exception {
        java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);
        FlakyServer script = new FlakyServer(1, n -> {
            failed.countDown();
            return "not leader: leader_id= leader_addr=";
        });
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerConfig.defaults().withAcks(Acks.ALL)
                     .withLinger(Duration.ZERO).withMaxInFlight(1).withRetryBackoff(Duration.ofMillis(300)))) {
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            sent.add(producer.send(ProducerRecord.of("t", new byte[1]).withPartition(0)));
            assertTrue(failed.await(10, TimeUnit.SECONDS));
            // linger 0: without the hold, each of these would be sealed as a batch of its own
            for (int i = 0; i < 50; i++) {
                sent.add(producer.send(ProducerRecord.of("t", new byte[1]).withPartition(0)));
            }
            producer.flush();
            assertAppendedInOrder(sent);
            int groups = 0;
            for (int i = 1; i < server.requests.size(); i++) {
                groups += request(server, i).groups().size();
            }
            assertTrue(groups <= 3, groups + " groups for the retry and the 50 records sent while it waited");
        }
    }
}
