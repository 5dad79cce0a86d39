package flymq.client;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.PayloadWriter;
import java.lang.reflect.Field;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link Connection}'s reader and a thread that fails the connection, in the orders a scheduler could pick. */
class ConnectionRaceTest {

    /**
     * The queue of a connection's unanswered requests, which stops the reader once just before it takes the request
     * an answer belongs to, until {@link #readerGo}; {@link #readerTook} says it took one.
     */
    private static final class GatedQueue extends ConcurrentLinkedQueue<Object> {
        final CountDownLatch readerAtPoll = new CountDownLatch(1);
        final CountDownLatch readerGo = new CountDownLatch(1);
        final CountDownLatch readerTook = new CountDownLatch(1);
        private final AtomicBoolean armed = new AtomicBoolean(true);

        @Override
        public Object poll() {
            if (!Thread.currentThread().getName().startsWith("flymq-client-reader-") || !armed.getAndSet(false)) {
                return super.poll();
            }
            readerAtPoll.countDown();
            await(readerGo);
            try {
                return super.poll();
            } finally {
                readerTook.countDown();
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static byte[] recordMetadata(long offset) {
        PayloadWriter w = new PayloadWriter(64).str16("t").i32(0).i64(offset).i64(1L).i32(-1).i32(1);
        return ScriptedServer.frame(0x01, w.toPayload());
    }

    /**
     * The reader has read the first request's answer when another thread closes the connection and fails the first
     * request before the reader takes it: the reader must not hand that answer to the second request.
     */
    @Test
    void anAnswerReadWhileTheConnectionFailsNeverCompletesTheNextRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        int[] seen = {0};
        try (ScriptedServer server = new ScriptedServer(r -> {
            if (seen[0]++ == 0) {
                return recordMetadata(7);
            }
            try {
                release.await(30, TimeUnit.SECONDS); // the second request is never answered
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            GatedQueue queue = new GatedQueue();
            Field pending = Connection.class.getDeclaredField("pending");
            pending.setAccessible(true);
            pending.set(client.connection(), queue);

            CompletableFuture<RecordMetadata> first = client.produceAsync("t", 0, null, new byte[1]);
            // the closing thread fails the first request and, before it takes the second, lets the reader go on
            first.whenComplete((m, e) -> {
                queue.readerGo.countDown();
                await(queue.readerTook);
            });
            CompletableFuture<RecordMetadata> second = client.produceAsync("t", 0, null, new byte[1]);
            await(queue.readerAtPoll);
            client.close();

            assertInstanceOf(ConnectionException.class,
                    assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS)).getCause());
            ExecutionException e = assertThrows(ExecutionException.class, () -> second.get(10, TimeUnit.SECONDS),
                    () -> "the second request got the first one's answer: " + second.join());
            assertInstanceOf(ConnectionException.class, e.getCause());
        } finally {
            release.countDown();
        }
    }
}
