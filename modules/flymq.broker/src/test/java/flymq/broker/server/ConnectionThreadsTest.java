package flymq.broker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import flymq.protocol.PayloadWriter;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which thread serves a connection: platform threads up to the cap, virtual ones beyond it. */
class ConnectionThreadsTest {
    private static final int ASK = 0x30;

    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor();
    private ProtocolServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close(Duration.ofSeconds(5));
        }
        housekeeping.shutdownNow();
    }

    private void start(int platformConnections, Duration idleTimeout) throws IOException {
        HandlerRegistry handlers = new HandlerRegistry()
                .register(ASK, (session, in, out) -> out.bool(Thread.currentThread().isVirtual()));
        server = ProtocolServer.start("127.0.0.1", 0, handlers, BrokerListener.NONE, s -> { }, idleTimeout,
                Duration.ofSeconds(30), housekeeping, platformConnections, ProtocolServer.DEFAULT_READ_SPIN);
    }

    /** Sends one request and returns whether the broker served it on a virtual thread. */
    private static boolean servedOnVirtualThread(Socket s) throws IOException {
        s.getOutputStream().write(new PayloadWriter().toFrame(ASK, FrameCodec.FLAG_BINARY));
        InputStream in = new BufferedInputStream(s.getInputStream());
        FrameHeader h = FrameCodec.readHeader(in);
        assertEquals(ASK, h.opcode());
        assertEquals(1, h.length());
        return in.read() == 1;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private void awaitActive(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.activeConnections() != n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, server.activeConnections());
    }

    @Test
    void connectionsBeyondThePlatformThreadCapAreServedOnVirtualThreads() throws Exception {
        start(2, Duration.ofMinutes(5));
        try (Socket a = connect(); Socket b = connect(); Socket c = connect()) {
            assertFalse(servedOnVirtualThread(a));
            assertFalse(servedOnVirtualThread(b));
            assertTrue(servedOnVirtualThread(c));
        }
    }

    @Test
    void aClosedConnectionGivesItsPlatformThreadSlotBack() throws Exception {
        start(1, Duration.ofMinutes(5));
        try (Socket a = connect()) {
            assertFalse(servedOnVirtualThread(a));
        }
        awaitActive(0);
        try (Socket b = connect()) {
            assertFalse(servedOnVirtualThread(b));
        }
    }

    @Test
    void zeroPlatformConnectionsServesEveryConnectionOnAVirtualThread() throws Exception {
        start(0, Duration.ofMinutes(5));
        try (Socket a = connect()) {
            assertTrue(servedOnVirtualThread(a));
        }
    }

    @Test
    void aConnectionStalledInTheMiddleOfAFrameIsClosedAfterTheIdleTimeout() throws Exception {
        start(1, Duration.ofMillis(200));
        try (Socket a = connect()) {
            byte[] frame = new PayloadWriter().u8(1).toFrame(ASK, FrameCodec.FLAG_BINARY);
            a.getOutputStream().write(frame, 0, frame.length - 1);
            assertEquals(-1, a.getInputStream().read(), "the broker should close a connection stuck mid-frame");
        }
        awaitActive(0);
    }
}
