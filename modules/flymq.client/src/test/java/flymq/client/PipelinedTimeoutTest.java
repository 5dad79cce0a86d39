package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The request timeout of pipelined requests ({@link CallWatchdog}, {@link Connection}) and what runs where when one
 * fires: the watchdog serves every connection of the JVM, so it must never run a caller's code, and only a broker
 * that does not answer may make a request overdue, not the requests queued before it or slow callbacks.
 */
class PipelinedTimeoutTest {

    /** Answers nothing until {@code release}, then drops the connection. */
    private static ScriptedServer silent(CountDownLatch release) throws Exception {
        return new ScriptedServer(r -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
    }

    /** Appends every group at the next offset, after {@code delayMillis} (a broker that takes its time). */
    private static Function<ScriptedServer.Request, byte[]> appender(AtomicLong next, long delayMillis) {
        return r -> {
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis); // the broker's work: the client must wait it out, not time it out
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            BatchProduceRequest req = BatchProduceRequest.read(new PayloadReader(r.payload()));
            List<BatchProduceResponse.GroupResult> results = new ArrayList<>();
            for (BatchProduceRequest.Group g : req.groups()) {
                results.add(BatchProduceResponse.GroupResult.appended(g.partition(),
                        next.getAndAdd(g.recordCount()), g.recordCount()));
            }
            return ScriptedServer.batchProduceAnswer(req.topic(), results);
        };
    }

    private static FlyMqClient client(ScriptedServer server, long timeoutMillis) {
        return FlyMqClient.builder().bootstrap(server.address()).requestTimeout(Duration.ofMillis(timeoutMillis))
                .build();
    }

    private static ProducerRecord big(int partition) {
        return ProducerRecord.of("t", new byte[300 * 1024]).withPartition(partition); // one batch each
    }

    @Test
    void aTimedOutBatchsCallbackRunsOnTheReaderAndABlockedOneDelaysNoOtherTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch leaveCallback = new CountDownLatch(1);
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (ScriptedServer a = silent(release); ScriptedServer b = silent(release);
             FlyMqClient ca = client(a, 200); FlyMqClient cb = client(b, 200)) {
            FlyMqProducer producer = new FlyMqProducer(ca, ProducerConfig.defaults().withAcks(Acks.ALL)
                    .withLinger(Duration.ZERO).withRetries(0));
            producer.send(big(0), (metadata, exception) -> {
                thread.set(Thread.currentThread().getName());
                failure.set(exception);
                inCallback.countDown();
                try {
                    leaveCallback.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(inCallback.await(10, TimeUnit.SECONDS), "the batch timed out");
            assertInstanceOf(RequestTimeoutException.class, failure.get());
            assertTrue(thread.get().startsWith("flymq-client-reader-"), thread.get());
            // the callback still blocks: another connection's call must still time out
            assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(RequestTimeoutException.class, cb::listTopics));
            leaveCallback.countDown();
            producer.close(Duration.ZERO);
        } finally {
            leaveCallback.countDown();
            release.countDown();
        }
    }

    @Test
    void closeFromACallbackWaitsForNothingAndFlushFromOneThrows() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicReference<Throwable> flushed = new AtomicReference<>();
        try (ScriptedServer server = silent(release); FlyMqClient c = client(server, 200)) {
            AtomicReference<FlyMqProducer> self = new AtomicReference<>();
            FlyMqProducer producer = new FlyMqProducer(c, ProducerConfig.defaults().withAcks(Acks.ALL)
                    .withLinger(Duration.ZERO).withRetries(0).withMaxInFlight(1));
            self.set(producer);
            producer.send(big(0), (metadata, exception) -> {
                try {
                    self.get().flush();
                } catch (Throwable t) {
                    flushed.set(t);
                }
                self.get().close(); // its batch and the one queued behind it: nothing waits for them
                closed.countDown();
            });
            CompletableFuture<RecordMetadata> behind = producer.send(big(1));
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> closed.await());
            assertInstanceOf(IllegalStateException.class, flushed.get());
            ExecutionException e = assertThrows(ExecutionException.class, () -> behind.get(10, TimeUnit.SECONDS));
            assertInstanceOf(FlyMqException.class, e.getCause());
            assertThrows(IllegalStateException.class, () -> producer.send(big(2)));
        } finally {
            release.countDown();
        }
    }

    @Test
    void slowCallbacksOnTheReaderDoNotMakeAnsweredRequestsOverdue() throws Exception {
        AtomicLong appended = new AtomicLong();
        try (ScriptedServer server = new ScriptedServer(appender(appended, 0)); FlyMqClient c = client(server, 300)) {
            FlyMqProducer producer = new FlyMqProducer(c, ProducerConfig.defaults().withAcks(Acks.LEADER)
                    .withLinger(Duration.ZERO).withMaxInFlight(5));
            for (int i = 0; i < 4; i++) {
                producer.send(big(i), (metadata, exception) -> {
                    try {
                        Thread.sleep(200); // slow work on the reader while the next answers wait in the socket
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            producer.close();
            // a retry of an answered batch would append it twice (acks leader has no idempotence)
            assertEquals(0, producer.retriedBatches());
            assertEquals(1, server.connectionsAccepted());
            assertEquals(4, appended.get());
        }
    }

    @Test
    void aBrokerAnsweringOneRequestAfterTheOtherIsNotTimedOutForTheQueue() throws Exception {
        AtomicLong appended = new AtomicLong();
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (ScriptedServer server = new ScriptedServer(appender(appended, 150)); FlyMqClient c = client(server, 400)) {
            FlyMqProducer producer = new FlyMqProducer(c, ProducerConfig.defaults().withAcks(Acks.ALL)
                    .withLinger(Duration.ZERO).withMaxInFlight(5));
            for (int i = 0; i < 10; i++) {
                sent.add(producer.send(big(i % 5)));
            }
            producer.close();
            for (CompletableFuture<RecordMetadata> f : sent) {
                f.get(0, TimeUnit.SECONDS); // each answered within 150 ms of the one before: none timed out
            }
            assertEquals(0, producer.retriedBatches());
            assertEquals(1, server.connectionsAccepted());
            assertEquals(10, appended.get());
        }
    }

    @Test
    void closeWithADurationBeyondALongOfMillisWaitsAsCloseDoes() throws Exception {
        AtomicLong appended = new AtomicLong();
        try (ScriptedServer server = new ScriptedServer(appender(appended, 0)); FlyMqClient c = client(server, 5_000)) {
            FlyMqProducer producer = new FlyMqProducer(c, ProducerRetryTest.quick(Acks.ALL));
            CompletableFuture<RecordMetadata> sent = producer.send(big(0));
            producer.close(Duration.ofSeconds(Long.MAX_VALUE)); // no long of millis: no limit, not an overflow
            assertEquals(0, sent.get(0, TimeUnit.SECONDS).offset());
            assertThrows(IllegalStateException.class, () -> producer.send(big(0)));
        }
    }

    @Test
    void aSynchronousCallQueuedBehindSlowRequestsIsNotTimedOutForTheirTime() throws Exception {
        AtomicLong appended = new AtomicLong();
        Function<ScriptedServer.Request, byte[]> produce = appender(appended, 150);
        try (ScriptedServer server = new ScriptedServer(r -> {
                 if (r.opcode() != Opcodes.LIST_TOPICS) {
                     return produce.apply(r);
                 }
                 try {
                     Thread.sleep(150);
                 } catch (InterruptedException e) {
                     Thread.currentThread().interrupt();
                 }
                 return ScriptedServer.frame(Opcodes.LIST_TOPICS, new PayloadWriter(16).i32(1).str16("a")
                         .toPayload());
             });
             FlyMqClient c = client(server, 400)) {
            FlyMqProducer producer = new FlyMqProducer(c, ProducerConfig.defaults().withAcks(Acks.ALL)
                    .withLinger(Duration.ZERO).withMaxInFlight(5));
            for (int i = 0; i < 5; i++) {
                producer.send(big(i));
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (c.connection().inFlight() < 5 && System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
            assertEquals(5, c.connection().inFlight(), "five batches ahead of the call");
            // answered some 900 ms after it was sent, each request within 150 ms of the one before
            assertEquals(List.of("a"), c.listTopics());
            producer.close();
            assertEquals(0, producer.retriedBatches());
            assertEquals(1, server.connectionsAccepted());
        }
    }
}
