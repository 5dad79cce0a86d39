package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadWriter;
import flymq.raft.MemoryBudget;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The forwarding budget ({@code cluster.forward_inflight_bytes}) in {@link LeaderForwarder}. */
class LeaderForwarderBudgetTest {

    private final ServerSocket leader;
    private final AtomicInteger requestsSeen = new AtomicInteger();
    private final Thread server;

    /** A stand-in leader that answers every request with an {@code answerBytes}-byte payload. */
    LeaderForwarderBudgetTest() throws IOException {
        leader = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server = Thread.ofPlatform().daemon().start(this::serve);
    }

    private volatile int answerBytes = 10;

    private void serve() {
        while (!leader.isClosed()) {
            try (Socket s = leader.accept(); InputStream in = s.getInputStream()) {
                FrameHeader h;
                while ((h = FrameCodec.readHeader(in)) != null) {
                    byte[] request = new byte[h.length()];
                    FrameCodec.readFully(in, request, 0, request.length);
                    requestsSeen.incrementAndGet();
                    byte[] answer = new byte[answerBytes];
                    FrameCodec.writeFrame(s.getOutputStream(), h.opcode(), FrameCodec.FLAG_BINARY, answer, 0,
                            answer.length);
                }
            } catch (IOException e) {
                // the test closed the listener or the forwarder closed its connection
            }
        }
    }

    @AfterEach
    void stop() throws IOException {
        leader.close();
    }

    private String addr() {
        return "127.0.0.1:" + leader.getLocalPort();
    }

    private static PayloadWriter request(int bytes) {
        return new PayloadWriter().raw(new byte[bytes], 0, bytes);
    }

    @Test
    void aForwardFindingNoRoomWaitsThenIsRefusedWithoutSendingAnything() throws Exception {
        MemoryBudget budget = new MemoryBudget("cluster.forward_inflight_bytes", 100);
        assertTrue(budget.tryAcquire(100, 0, TimeUnit.MILLISECONDS));
        try (LeaderForwarder forwarder = new LeaderForwarder(new Admission(budget, 200), null)) {
            long start = System.nanoTime();
            ClusterBusyException e = assertThrows(ClusterBusyException.class,
                    () -> forwarder.call("n2", addr(), Opcodes.PRODUCE, request(50)));
            assertTrue((System.nanoTime() - start) / 1_000_000 >= 200, "refused before the wait was over");
            assertTrue(e.getMessage().startsWith("cluster busy: forwarding PRODUCE to leader n2 refused: "
                    + "cluster.forward_inflight_bytes (100 bytes) stayed full for 200 ms"), e.getMessage());
        }
        assertEquals(0, requestsSeen.get(), "nothing reached the leader");
        assertEquals(100, budget.used(), "a refused call holds nothing");
    }

    @Test
    void aWaitingForwardGoesOutOnceTheBudgetIsReleased() throws Exception {
        MemoryBudget budget = new MemoryBudget("cluster.forward_inflight_bytes", 100);
        assertTrue(budget.tryAcquire(100, 0, TimeUnit.MILLISECONDS));
        try (LeaderForwarder forwarder = new LeaderForwarder(new Admission(budget, 10_000), null)) {
            CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(
                    () -> forwarder.call("n2", addr(), Opcodes.PRODUCE, request(50)));
            assertEquals(0, requestsSeen.get());
            budget.release(100);
            assertEquals(10, answer.get(10, TimeUnit.SECONDS).length);
        }
        assertEquals(1, requestsSeen.get());
        assertEquals(0, budget.used(), "request and answer bytes are given back");
    }

    @Test
    void anAnswerLargerThanTheBudgetIsReadAloneAndGivenBack() throws Exception {
        answerBytes = 5_000;
        MemoryBudget budget = new MemoryBudget("cluster.forward_inflight_bytes", 1_000);
        try (LeaderForwarder forwarder = new LeaderForwarder(new Admission(budget, 1_000), null)) {
            assertEquals(5_000, forwarder.call("n2", addr(), Opcodes.FETCH, request(10)).length);
        }
        assertEquals(0, budget.used());
    }
}
