package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link FlyMqProducer#send(ProducerRecord, Callback)} against a scripted server: what a callback is told, when. */
class ProducerCallbackTest {

    /** What one callback was called with. */
    private record Call(int index, RecordMetadata metadata, Exception exception) {
    }

    /** Records every call of the callbacks it makes, in call order. */
    private static final class Calls {
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final CountDownLatch all;

        Calls(int expected) {
            all = new CountDownLatch(expected);
        }

        Callback callback(int index) {
            return (metadata, exception) -> {
                calls.add(new Call(index, metadata, exception));
                all.countDown();
            };
        }

        void await() throws InterruptedException {
            assertTrue(all.await(10, TimeUnit.SECONDS), calls.size() + " callbacks called");
        }
    }

    /**
     * Appends every group at its partition's next offset, or refuses the first {@code failures} requests with
     * {@code error}.
     */
    private static final class Script {
        final long[] next = new long[4];
        final String error;
        final int failures;
        int seen;

        Script(int failures, String error) {
            this.failures = failures;
            this.error = error;
        }

        synchronized byte[] answer(ScriptedServer.Request r) {
            BatchProduceRequest req = BatchProduceRequest.read(new PayloadReader(r.payload()));
            boolean refuse = ++seen <= failures;
            List<BatchProduceResponse.GroupResult> results = new ArrayList<>();
            for (BatchProduceRequest.Group g : req.groups()) {
                if (refuse) {
                    results.add(BatchProduceResponse.GroupResult.failed(g.partition(), g.recordCount(), error));
                } else {
                    results.add(BatchProduceResponse.GroupResult.appended(g.partition(), next[g.partition()],
                            g.recordCount()));
                    next[g.partition()] += g.recordCount();
                }
            }
            return ScriptedServer.batchProduceAnswer(req.topic(), results);
        }
    }

    private static ProducerRecord record(int partition, int i) {
        return ProducerRecord.of("t", ("r" + i).getBytes(StandardCharsets.UTF_8)).withPartition(partition);
    }

    @Test
    void eachCallbackGetsItsRecordsPartitionAndOffsetInSendOrder() throws Exception {
        Script script = new Script(0, "");
        Calls calls = new Calls(30);
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL))) {
            // two partitions interleaved, and a second batch of partition 0 after the first flush
            for (int i = 0; i < 20; i++) {
                producer.send(record(i % 2, i), calls.callback(i));
            }
            producer.flush();
            for (int i = 20; i < 30; i++) {
                producer.send(record(0, i), calls.callback(i));
            }
            producer.flush();
            calls.await();
        }
        assertEquals(30, calls.calls.size(), "each callback once");
        long[] expected = new long[2];
        int[] lastIndex = {-1, -1};
        for (Call c : calls.calls) {
            assertNull(c.exception());
            int partition = c.index() < 20 ? c.index() % 2 : 0;
            assertEquals("t", c.metadata().topic());
            assertEquals(partition, c.metadata().partition(), "record " + c.index());
            assertEquals(expected[partition]++, c.metadata().offset(), "record " + c.index());
            assertTrue(c.index() > lastIndex[partition], "partition " + partition + " in send order");
            lastIndex[partition] = c.index();
            assertEquals(("r" + c.index()).length(), c.metadata().valueSize());
        }
        assertEquals(20, expected[0]);
        assertEquals(10, expected[1]);
    }

    @Test
    void flushReturnsOnlyOnceTheCallbacksOfWhatWasQueuedHaveRun() throws Exception {
        Script script = new Script(0, "");
        AtomicInteger called = new AtomicInteger();
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL))) {
            for (int i = 0; i < 100; i++) {
                producer.send(record(i % 3, i), (md, e) -> called.incrementAndGet());
            }
            producer.flush();
            assertEquals(100, called.get(), "callbacks run by the time flush returns");
        }
    }

    @Test
    void aServerErrorAfterTheRetriesReachesTheCallbackAsTheFuturesException() throws Exception {
        Script script = new Script(2, "not leader: leader_id= leader_addr=");
        Calls calls = new Calls(5);
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL).withRetries(1))) {
            for (int i = 0; i < 10; i++) {
                if (i % 2 == 0) {
                    producer.send(record(0, i), calls.callback(i));
                } else {
                    futures.add(producer.send(record(0, i)));
                }
            }
            producer.flush();
            calls.await();
            assertEquals(1, producer.retriedBatches(), "one retry, then the records fail");
            assertEquals(2, server.requests.size());
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> futures.getFirst().get(10,
                TimeUnit.SECONDS));
        assertInstanceOf(NotLeaderException.class, e.getCause());
        assertEquals(5, calls.calls.size());
        for (Call c : calls.calls) {
            assertNull(c.metadata(), "record " + c.index());
            assertNotNull(c.exception(), "record " + c.index());
            assertEquals(e.getCause().getClass(), c.exception().getClass());
            assertEquals(e.getCause().getMessage(), c.exception().getMessage());
        }
    }

    @Test
    void aCallbackThatThrowsStopsNeitherTheLaterCallbacksNorTheProducer() throws Exception {
        Script script = new Script(0, "");
        Calls calls = new Calls(9);
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL))) {
            CountDownLatch thrown = new CountDownLatch(2);
            producer.send(record(0, 0), (md, e) -> {
                thrown.countDown();
                throw new IllegalStateException("a careless callback");
            });
            CompletableFuture<RecordMetadata> future = producer.send(record(0, 1));
            for (int i = 2; i < 5; i++) {
                producer.send(record(0, i), calls.callback(i));
            }
            producer.send(record(0, 5), (md, e) -> {
                thrown.countDown();
                throw new AssertionError("an error, even");
            });
            producer.flush();
            assertTrue(thrown.await(10, TimeUnit.SECONDS));
            assertEquals(1, future.get(10, TimeUnit.SECONDS).offset());
            // the producer carries on: later batches are sent and their callbacks called
            for (int i = 6; i < 12; i++) {
                producer.send(record(0, i), calls.callback(i));
            }
            producer.flush();
            calls.await();
        }
        assertEquals(9, calls.calls.size());
        for (Call c : calls.calls) {
            assertNull(c.exception());
            assertEquals(c.index(), c.metadata().offset());
        }
    }

    @Test
    void withAcksNoneCallbacksCompleteOnceWhenTheRequestIsWrittenLikeTheFutures() throws Exception {
        Script script = new Script(0, "");
        CountDownLatch release = new CountDownLatch(1);
        Calls calls = new Calls(5);
        try (ScriptedServer server = new ScriptedServer(r -> {
                 try {
                     // answers only once the test has seen the records complete: they cannot have waited for it
                     assertTrue(release.await(10, TimeUnit.SECONDS));
                 } catch (InterruptedException e) {
                     Thread.currentThread().interrupt();
                 }
                 return script.answer(r);
             });
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.NONE))) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                if (i % 2 == 0) {
                    producer.send(record(0, i), calls.callback(i));
                } else {
                    futures.add(producer.send(record(0, i)));
                }
            }
            Thread flusher = Thread.ofPlatform().start(producer::flush);
            calls.await();
            for (CompletableFuture<RecordMetadata> f : futures) {
                assertEquals(-1, f.get(10, TimeUnit.SECONDS).offset());
            }
            release.countDown();
            flusher.join(10_000);
            producer.flush();
        }
        assertEquals(5, calls.calls.size(), "the answer after the write calls no callback again");
        for (Call c : calls.calls) {
            assertNull(c.exception());
            assertEquals(0, c.metadata().partition());
            assertEquals(-1, c.metadata().offset(), "acks none: no offset");
        }
    }

    @Test
    void aNullCallbackIsRefused() throws Exception {
        Script script = new Script(0, "");
        try (ScriptedServer server = new ScriptedServer(script::answer);
             FlyMqClient client = FlyMqClient.connect(server.address());
             FlyMqProducer producer = new FlyMqProducer(client, ProducerRetryTest.quick(Acks.ALL))) {
            assertThrows(NullPointerException.class, () -> producer.send(record(0, 0), null));
        }
    }
}
