package flymq.broker.server;

import static flymq.broker.server.ServerSockets.await;
import static flymq.broker.server.ServerSockets.closedByServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.protocol.ErrorFrame;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Request memory on the client port: payload bytes are held as they arrive, never as announced; a spent budget
 * pauses reading instead of failing; idle and half-sent connections hold no borrowed memory; an oversize frame is
 * answered with the limit.
 */
class RequestBudgetTest {
    /** Answers with the payload's length and its sum, so a test knows the whole payload arrived intact. */
    private static final int SUM = 0x30;

    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor();
    private ProtocolServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close(Duration.ofSeconds(5));
        }
        housekeeping.shutdownNow();
    }

    private void start(long budget, Duration idleTimeout) throws IOException {
        HandlerRegistry handlers = new HandlerRegistry().register(SUM, (session, in, out) -> {
            int n = in.remaining();
            long sum = 0;
            while (in.hasRemaining()) {
                sum += in.u8("b");
            }
            out.i32(n).i64(sum);
        });
        server = ProtocolServer.start("127.0.0.1", 0, handlers, BrokerListener.NONE, s -> { }, idleTimeout,
                Duration.ofSeconds(30), housekeeping, 2, ProtocolServer.DEFAULT_READ_SPIN,
                new ConnectionLimits(100, 100, budget));
    }

    private Socket connect() throws IOException {
        return ServerSockets.connect(server, "127.0.0.1");
    }

    private static byte[] header(int opcode, long length) {
        byte[] h = new byte[FrameCodec.HEADER_SIZE];
        h[0] = FrameCodec.MAGIC;
        h[1] = FrameCodec.VERSION;
        h[2] = (byte) opcode;
        h[3] = FrameCodec.FLAG_BINARY;
        h[4] = (byte) (length >>> 24);
        h[5] = (byte) (length >>> 16);
        h[6] = (byte) (length >>> 8);
        h[7] = (byte) length;
        return h;
    }

    private static byte[] payload(int length) {
        byte[] p = new byte[length];
        Arrays.fill(p, (byte) 1);
        return p;
    }

    /** Reads one SUM answer from {@code in} (one stream per socket) and checks all {@code length} bytes arrived. */
    private static void assertSummed(InputStream in, int length) throws IOException {
        FrameHeader h = FrameCodec.readHeader(in);
        byte[] p = new byte[h.length()];
        FrameCodec.readFully(in, p, 0, p.length);
        assertEquals(SUM, h.opcode(), () -> "expected an answer, got " + ErrorFrame.decode(p));
        PayloadReader r = new PayloadReader(p);
        assertEquals(length, r.i32("n"));
        assertEquals(length, r.i64("sum"));
    }

    @Test
    void aHeaderAnnouncingTheMaximumCostsOnlyTheBytesThatArrivedAndIsFreedByTheIdleTimeout() throws Exception {
        start(ConnectionLimits.DEFAULTS.maxInflightRequestBytes(), Duration.ofMillis(300));
        try (Socket s = connect()) {
            s.getOutputStream().write(header(SUM, FrameCodec.MAX_PAYLOAD));
            s.getOutputStream().write(payload(1000));
            await(server::requestBytesInUse, RequestMemory.CHUNK, "one read buffer, not 32 MiB");
            assertTrue(closedByServer(s), "a stalled frame must be closed by the idle timeout");
        }
        await(server::requestBytesInUse, 0, "the stalled frame's buffer is given back");
        await(() -> server.activeConnections(), 0, "closed");
    }

    @Test
    void halfSentHeadersHoldNoBorrowedMemoryAndAreClosedByTheIdleTimeout() throws Exception {
        start(ConnectionLimits.DEFAULTS.maxInflightRequestBytes(), Duration.ofMillis(300));
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = connect();
                sockets.add(s);
                s.getOutputStream().write(header(SUM, 100), 0, 5);
            }
            await(() -> server.activeConnections(), 50, "all connected");
            assertEquals(0, server.requestBytesInUse());
            for (Socket s : sockets) {
                assertTrue(closedByServer(s));
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        await(() -> server.activeConnections(), 0, "closed");
    }

    @Test
    void idleConnectionsGiveTheirBuffersBackAfterLargeAndPipelinedRequests() throws Exception {
        start(ConnectionLimits.DEFAULTS.maxInflightRequestBytes(), Duration.ofMinutes(5));
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket s = connect();
                sockets.add(s);
                byte[] frame = frame(300_000);
                byte[] twice = Arrays.copyOf(frame, frame.length * 2);
                System.arraycopy(frame, 0, twice, frame.length, frame.length);
                s.getOutputStream().write(twice);
                InputStream in = new BufferedInputStream(s.getInputStream());
                assertSummed(in, 300_000);
                assertSummed(in, 300_000);
            }
            // platform and virtual threads alike give back what they borrowed before they block
            await(server::requestBytesInUse, 0, "idle connections hold no request memory");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static byte[] frame(int length) {
        byte[] f = new byte[FrameCodec.HEADER_SIZE + length];
        System.arraycopy(header(SUM, length), 0, f, 0, FrameCodec.HEADER_SIZE);
        Arrays.fill(f, FrameCodec.HEADER_SIZE, f.length, (byte) 1);
        return f;
    }

    @Test
    void aSpentBudgetPausesReadingUntilMemoryIsGivenBackAndThenEveryRequestIsServed() throws Exception {
        start(RequestMemory.CHUNK * 2L, Duration.ofMinutes(5));
        try (Socket big = connect(); Socket waiting = connect()) {
            // the first connection takes a chunk, then (holding it) grows beyond the budget: the one overdraft
            big.getOutputStream().write(header(SUM, 1_000_000));
            big.getOutputStream().write(payload(200_000));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (server.requestBytesInUse() <= RequestMemory.CHUNK * 2L && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(server.requestBytesInUse() > RequestMemory.CHUNK * 2L, "the overdraft is in use");
            // the second needs a chunk too, holds nothing, and must wait rather than fail
            waiting.getOutputStream().write(frame(100_000));
            await(server::requestMemoryWaits, 1, "the second connection waits for the budget");
            assertEquals(2, server.activeConnections());
            big.getOutputStream().write(payload(800_000));
            assertSummed(new BufferedInputStream(big.getInputStream()), 1_000_000);
            assertSummed(new BufferedInputStream(waiting.getInputStream()), 100_000);
        }
        await(server::requestBytesInUse, 0, "everything given back");
    }

    @Test
    void anOversizeFrameIsAnsweredWithTheLimitNotAReset() throws Exception {
        start(ConnectionLimits.DEFAULTS.maxInflightRequestBytes(), Duration.ofMinutes(5));
        try (Socket s = connect()) {
            s.getOutputStream().write(header(SUM, FrameCodec.MAX_PAYLOAD + 1L));
            s.getOutputStream().write(payload(100_000));
            InputStream in = new BufferedInputStream(s.getInputStream());
            FrameHeader h = FrameCodec.readHeader(in);
            assertEquals(Opcodes.ERROR, h.opcode());
            byte[] p = new byte[h.length()];
            FrameCodec.readFully(in, p, 0, p.length);
            assertEquals("frame payload of 33554433 bytes exceeds the maximum of 33554432", ErrorFrame.decode(p));
            assertEquals(-1, in.read(), "then the broker closes its side, without a reset");
        }
        assertEquals(0, server.requestBytesInUse());
    }
}
