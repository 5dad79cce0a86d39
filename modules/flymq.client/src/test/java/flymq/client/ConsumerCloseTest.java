package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Opcodes;
import flymq.protocol.PayloadWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link FlyMqConsumer#close()} and its commits against a server that stops answering. */
class ConsumerCloseTest {

    /** Answers SUBSCRIBE with offset 0 and holds every other request until {@code release}, then drops it. */
    private static ScriptedServer silentAfterSubscribe(CountDownLatch held, CountDownLatch release)
            throws Exception {
        return new ScriptedServer(r -> {
            if (r.opcode() == Opcodes.SUBSCRIBE) {
                return ScriptedServer.frame(Opcodes.SUBSCRIBE, new PayloadWriter(8).i64(0).toPayload());
            }
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
    }

    private static FlyMqClient client(ScriptedServer server) {
        return FlyMqClient.builder().bootstrap(server.address()).requestTimeout(Duration.ofMillis(200)).build();
    }

    @Test
    void closeReturnsWithATimeoutWhenTheServerNeverAnswersTheFinalCommit() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedServer server = silentAfterSubscribe(held, release); FlyMqClient client = client(server)) {
            FlyMqConsumer consumer = new FlyMqConsumer(client, ConsumerConfig.forGroup("g").withAutoCommit(true));
            consumer.assign("t", 0);
            consumer.seek("t", 0, 5); // a position that moved: close commits it
            CompletableFuture<Void> closing = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    consumer.close();
                    closing.complete(null);
                } catch (Throwable t) {
                    closing.completeExceptionally(t);
                }
            });
            assertTrue(held.await(10, TimeUnit.SECONDS), "the commit reached the server");
            ExecutionException e = assertThrows(ExecutionException.class, () -> closing.get(10, TimeUnit.SECONDS),
                    "close must end within the request timeout of its commit");
            assertInstanceOf(RequestTimeoutException.class, RetryPolicy.unwrap(e.getCause()), e.toString());
            assertThrows(IllegalStateException.class, () -> consumer.poll(Duration.ZERO));
        } finally {
            release.countDown();
        }
    }

    @Test
    void anUnansweredPipelinedRequestFailsWithATimeoutAndTheOnesBehindItWithTheConnection() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedServer server = silentAfterSubscribe(held, release); FlyMqClient client = client(server)) {
            long generation = client.connectionGeneration();
            CompletableFuture<Void> first = client.commitAsync("t", "g", 0, 1);
            CompletableFuture<Void> second = client.commitAsync("t", "g", 0, 2);
            assertTrue(held.await(10, TimeUnit.SECONDS));
            ExecutionException e1 = assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS));
            assertInstanceOf(RequestTimeoutException.class, e1.getCause());
            ExecutionException e2 = assertThrows(ExecutionException.class, () -> second.get(10, TimeUnit.SECONDS));
            assertInstanceOf(ConnectionException.class, e2.getCause());
            assertFalse(e2.getCause() instanceof RequestTimeoutException, e2.getCause().toString());
            // the next call starts over on a new connection
            assertEquals(0, client.subscribe("t", "g", 0, SubscribeMode.COMMIT));
            assertEquals(generation + 1, client.connectionGeneration());
        } finally {
            release.countDown();
        }
    }
}
