package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** {@link FlyMqProducer#close()} and {@link FlyMqProducer#close(Duration)}: no record sent is left without an end. */
class ProducerCloseTest {

    private static ProducerRecord record(int i) {
        return ProducerRecord.of("t", ("r" + i).getBytes(StandardCharsets.UTF_8)).withPartition(0);
    }

    /** Appends each group at the next offset, or refuses the requests {@code refuse} picks (1 = the first). */
    private static final class Appender {
        final IntPredicate refuse;
        long next;
        int seen;

        Appender(IntPredicate refuse) {
            this.refuse = refuse;
        }

        synchronized byte[] answer(ScriptedServer.Request r) {
            BatchProduceRequest req = BatchProduceRequest.read(new PayloadReader(r.payload()));
            boolean refused = refuse.test(++seen);
            List<BatchProduceResponse.GroupResult> results = new ArrayList<>();
            for (BatchProduceRequest.Group g : req.groups()) {
                if (refused) {
                    results.add(BatchProduceResponse.GroupResult.failed(g.partition(), g.recordCount(),
                            "not leader: leader_id= leader_addr="));
                } else {
                    results.add(BatchProduceResponse.GroupResult.appended(g.partition(), next, g.recordCount()));
                    next += g.recordCount();
                }
            }
            return ScriptedServer.batchProduceAnswer(req.topic(), results);
        }
    }

    @Test
    void aBatchWhoseFirstTryFailsWhileClosingIsSentAgainBeforeCloseReturns() throws Exception {
        Appender appender = new Appender(n -> n == 1);
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (ScriptedServer server = new ScriptedServer(appender::answer);
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL));
            for (int i = 0; i < 5; i++) {
                sent.add(producer.send(record(i)));
            }
            producer.close(); // linger is an hour: close sends the batch, which the first answer refuses
            for (int i = 0; i < 5; i++) {
                assertTrue(sent.get(i).isDone(), "record " + i + " done when close returns");
                assertEquals(i, sent.get(i).get().offset());
            }
            assertEquals(2, server.requests.size(), "the refused batch, then its retry");
            assertEquals(1, producer.retriedBatches());
        }
    }

    /**
     * A record sent while the producer closes (here from the callback of a record that close sends) is either
     * refused at once or acknowledged: never queued where nothing sends it.
     */
    @Test
    void aSendWhileClosingIsRefusedOrCompletedNeverLeftWaiting() throws Exception {
        Appender appender = new Appender(n -> n == 2);
        AtomicReference<Throwable> refusal = new AtomicReference<>();
        AtomicReference<CompletableFuture<RecordMetadata>> late = new AtomicReference<>();
        CountDownLatch tried = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer(appender::answer);
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL));
            producer.send(record(0), (metadata, exception) -> {
                try {
                    late.set(producer.send(record(1)));
                } catch (RuntimeException e) {
                    refusal.set(e);
                } finally {
                    tried.countDown();
                }
            });
            producer.close();
            assertTrue(tried.await(10, TimeUnit.SECONDS));
            if (refusal.get() != null) {
                assertInstanceOf(IllegalStateException.class, refusal.get());
            } else {
                // sent before the close began: its first try is refused, its retry must still go out
                assertTrue(late.get().isDone(), "a record the producer took is done when close returns");
                assertEquals(1, late.get().get().offset());
            }
            assertThrows(IllegalStateException.class, () -> producer.send(record(2)));
        }
    }

    @Test
    void closeWithATimeoutFailsWhatIsUnansweredByThenOnceEach() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Exception> failures = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (ScriptedServer server = new ScriptedServer(r -> {
                 received.countDown();
                 try {
                     release.await(20, TimeUnit.SECONDS); // never answers while the test looks
                 } catch (InterruptedException e) {
                     Thread.currentThread().interrupt();
                 }
                 return null;
             });
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqProducer producer = new FlyMqProducer(client,
                    ProducerRetryTest.quick(Acks.ALL).withLinger(Duration.ZERO));
            for (int i = 0; i < 6; i++) {
                if (i % 2 == 0) {
                    producer.send(record(i), (metadata, exception) -> {
                        calls.incrementAndGet();
                        assertNull(metadata);
                        failures.add(exception);
                    });
                } else {
                    futures.add(producer.send(record(i)));
                }
            }
            assertTrue(received.await(10, TimeUnit.SECONDS), "a request reached the server");
            producer.close(Duration.ofMillis(50));
            release.countDown();
            assertEquals(3, calls.get(), "each callback once, by the time close returns");
            for (Exception e : failures) {
                assertInstanceOf(FlyMqException.class, e);
                assertEquals("producer closed before the record was acknowledged", e.getMessage());
            }
            for (CompletableFuture<RecordMetadata> f : futures) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(0, TimeUnit.SECONDS));
                assertEquals("producer closed before the record was acknowledged", e.getCause().getMessage());
            }
            producer.close(); // a second close does nothing more
            assertEquals(3, calls.get());
        }
    }

    @Test
    void closeWithZeroTimeoutFailsTheQueuedRecordsAtOnce() throws Exception {
        Appender appender = new Appender(n -> false);
        try (ScriptedServer server = new ScriptedServer(appender::answer);
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL));
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(producer.send(record(i)));
            }
            producer.close(Duration.ZERO);
            for (CompletableFuture<RecordMetadata> f : futures) {
                // failed by close, or acknowledged when the sender got the batch out and its answer back first (then
                // the reader may still be completing it as close returns)
                try {
                    assertTrue(f.get(10, TimeUnit.SECONDS).offset() >= 0);
                } catch (ExecutionException e) {
                    assertEquals("producer closed before the record was acknowledged", e.getCause().getMessage());
                }
            }
        }
    }
}
