package flymq.broker.server;

import static flymq.broker.server.ServerSockets.closedByServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import flymq.protocol.PayloadWriter;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client port's limits: connections beyond {@code network.max_connections} or
 * {@code network.max_connections_per_ip} are closed on accept and counted, the ones already open keep working,
 * and an {@link Error} in the acceptor or a connection thread leaves the broker serving.
 */
class ConnectionLimitsTest {
    private static final int ECHO = 0x30;
    private static final int FAIL = 0x31;

    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private ProtocolServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close(Duration.ofSeconds(5));
        }
        housekeeping.shutdownNow();
    }

    private void start(ConnectionLimits limits, BrokerListener listener) throws IOException {
        HandlerRegistry handlers = new HandlerRegistry()
                .register(ECHO, (session, in, out) -> out.i32(in.i32("n")))
                .register(FAIL, (session, in, out) -> {
                    throw new OutOfMemoryError("simulated: handler ran out of heap");
                });
        server = ProtocolServer.start("127.0.0.1", 0, handlers, listener, s -> { }, Duration.ofMinutes(5),
                Duration.ofSeconds(30), housekeeping, 1, ProtocolServer.DEFAULT_READ_SPIN, limits);
    }

    private static ConnectionLimits limits(int max, int perAddress) {
        return new ConnectionLimits(max, perAddress, ConnectionLimits.DEFAULTS.maxInflightRequestBytes());
    }

    private void start(ConnectionLimits limits) throws IOException {
        start(limits, new BrokerListener() {
            @Override
            public void connectionRefused(String limit) {
                refused.add(limit);
            }
        });
    }

    private Socket connect(String fromAddress) throws IOException {
        return ServerSockets.connect(server, fromAddress);
    }

    private Socket connect() throws IOException {
        return connect("127.0.0.1");
    }

    /** Sends ECHO n and checks the answer. */
    private static void assertServed(Socket s, int n) throws IOException {
        s.getOutputStream().write(new PayloadWriter().i32(n).toFrame(ECHO, FrameCodec.FLAG_BINARY));
        InputStream in = new BufferedInputStream(s.getInputStream());
        FrameHeader h = FrameCodec.readHeader(in);
        assertEquals(ECHO, h.opcode());
        byte[] payload = new byte[h.length()];
        FrameCodec.readFully(in, payload, 0, payload.length);
        assertEquals(n, new flymq.protocol.PayloadReader(payload).i32("n"));
    }

    private void awaitRefusals(int n) throws InterruptedException {
        ServerSockets.await(refused::size, n, "refusals heard by the listener");
    }

    private void awaitActive(int n) throws InterruptedException {
        ServerSockets.await(server::activeConnections, n, "active connections");
    }

    @Test
    void aConnectionBeyondTheGlobalLimitIsClosedAndTheOpenOnesKeepWorking() throws Exception {
        start(limits(2, 10));
        try (Socket a = connect(); Socket b = connect("127.0.0.2")) {
            assertServed(a, 1);
            assertServed(b, 2);
            try (Socket c = connect("127.0.0.3")) {
                assertTrue(closedByServer(c), "a third connection must be closed on accept");
            }
            awaitRefusals(1);
            assertEquals(List.of("max_connections"), refused);
            assertEquals(1, server.refusedConnections());
            assertServed(a, 3);
            assertServed(b, 4);
        }
        awaitActive(0);
        try (Socket d = connect()) {
            assertServed(d, 5);
        }
    }

    @Test
    void aConnectionBeyondThePerAddressLimitIsClosedWhileOtherAddressesAreStillAdmitted() throws Exception {
        start(limits(10, 2));
        try (Socket a = connect(); Socket b = connect()) {
            assertServed(a, 1);
            assertServed(b, 2);
            try (Socket c = connect()) {
                assertTrue(closedByServer(c), "a third connection from 127.0.0.1 must be closed on accept");
            }
            awaitRefusals(1);
            assertEquals(List.of("max_connections_per_ip"), refused);
            try (Socket other = connect("127.0.0.2")) {
                assertServed(other, 3);
            }
            assertServed(a, 4);
        }
        awaitActive(0);
        try (Socket again = connect()) {
            assertServed(again, 5);
        }
    }

    @Test
    void anErrorInTheAcceptorIsSurvivedAndAcceptingGoesOn() throws Exception {
        CountDownLatch thrown = new CountDownLatch(1);
        start(limits(1, 1), new BrokerListener() {
            @Override
            public void connectionRefused(String limit) {
                if (thrown.getCount() > 0) {
                    thrown.countDown();
                    throw new OutOfMemoryError("simulated: acceptor ran out of heap");
                }
            }
        });
        try (Socket a = connect()) {
            assertServed(a, 1);
            try (Socket b = connect()) {
                assertTrue(closedByServer(b));
            }
            assertTrue(thrown.await(10, TimeUnit.SECONDS));
            assertServed(a, 2);
        }
        awaitActive(0);
        try (Socket c = connect()) {
            assertServed(c, 3);
        }
    }

    @Test
    void anErrorInAConnectionThreadClosesOnlyThatConnection() throws Exception {
        start(limits(10, 10));
        try (Socket a = connect(); Socket b = connect()) {
            assertServed(a, 1);
            assertServed(b, 2);
            b.getOutputStream().write(new PayloadWriter().toFrame(FAIL, FrameCodec.FLAG_BINARY));
            assertTrue(closedByServer(b));
            assertServed(a, 3);
            awaitActive(1);
        }
        try (Socket c = connect()) {
            assertServed(c, 4);
        }
        assertEquals(0, refused.size());
    }
}
