package flymq.raft.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.raft.RaftMember;
import flymq.raft.codec.RaftModelCodec;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.RaftMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outbound frames are encoded into spare buffers that go back to their peer once written or dropped: a frame's bytes
 * stay intact while it waits in the queue, and dropped frames do not leak their buffers.
 */
class TcpClusterTransportFramePoolTest {

    private static final TcpClusterTransport.Limits LARGE_QUEUE =
            new TcpClusterTransport.Limits(16L * 1024 * 1024, 256L * 1024 * 1024);

    private final RaftModelCodec codec = new RaftModelCodec();
    private final LoopbackTransports transports = new LoopbackTransports();
    private final List<RaftMessage> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        transports.close();
    }

    /** Bytes that differ from frame to frame and along the frame, so an overwritten buffer cannot go unnoticed. */
    private static byte[] operation(int size, int seq) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seq * 31 + i / 7);
        }
        return b;
    }

    private RaftMessage append(int seq, byte[] operation) {
        var f = codec.factory();
        return f.createAppendEntriesRequestBuilder().setGroupId("g").setSender(new RaftMember("s", "127.0.0.1:1"))
                .setTerm(1).setPreviousLogTerm(0).setPreviousLogIndex(seq).setCommitIndex(0)
                .setLogEntries(List.of(f.createLogEntryBuilder().setIndex(seq + 1).setTerm(1).setOperation(operation)
                        .build()))
                .setQuerySequenceNumber(0).setFlowControlSequenceNumber(0).build();
    }

    private static RaftMember member(int port) {
        return new RaftMember("r", "127.0.0.1:" + port);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(2);
        }
    }

    @Test
    void framesPiledUpBehindAStalledConnectionArriveIntactInOrder() throws Exception {
        framesPiledUpBehindAStalledConnectionArriveIntact(ClusterAuth.NONE);
    }

    @Test
    void framesPiledUpBehindAStalledConnectionArriveIntactInOrderUnderAClusterSecret() throws Exception {
        framesPiledUpBehindAStalledConnectionArriveIntact(
                ClusterAuth.sharedSecret("correct horse battery staple".getBytes(StandardCharsets.UTF_8)));
    }

    private void framesPiledUpBehindAStalledConnectionArriveIntact(ClusterAuth auth) throws Exception {
        TcpClusterTransport receiver = transports.bind(auth);
        receiver.register("g", received::add);
        TcpClusterTransport sender = transports.bind(auth, LARGE_QUEUE);
        // below, at and above a new buffer's 64 KiB, and above the 1 MiB a kept spare may have
        int[] sizes = {1, 17, 900, 8 * 1024, 64 * 1024 - 40, 64 * 1024, 100 * 1024, 300 * 1024, 700 * 1024,
                1536 * 1024, 5, 200 * 1024};
        int count = 96;
        try (PausedRelay relay = new PausedRelay(receiver.localAddress().getPort())) {
            RaftMember to = member(relay.port());
            for (int i = 0; i < count; i++) {
                if (i == count * 3 / 4) {
                    // most of some 18 MB wait in the queue; the rest is sent while the writer drains it
                    relay.resume();
                }
                sender.send(to, append(i, operation(sizes[i % sizes.length], i)));
            }
            await("all frames arrived", () -> received.size() >= count);
            TcpClusterTransport.Spares spares = sender.spares(to.address());
            await("the writer gave back its buffers",
                    () -> spares.size() == TcpClusterTransport.SPARE_FRAMES_PER_PEER);
        }
        assertEquals(count, received.size());
        for (int i = 0; i < count; i++) {
            AppendEntriesRequest m = (AppendEntriesRequest) received.get(i);
            assertEquals(i, m.getPreviousLogIndex(), "frame order");
            assertArrayEquals(operation(sizes[i % sizes.length], i),
                    (byte[]) m.getLogEntries().get(0).getOperation(), "frame " + i);
        }
        assertEquals(0, receiver.stats().framesRejected());
        assertEquals(0, sender.stats().framesDropped());
        assertEquals(count, sender.stats().framesSent());
    }

    /**
     * Relays one connection to a transport, holding back what the connector writes until {@link #resume}: the
     * connector's writer blocks on a full socket (or, under a cluster secret, in its handshake) while its frames
     * pile up in the queue. The small receive buffer keeps the sockets from absorbing the whole backlog.
     */
    private static final class PausedRelay implements AutoCloseable {
        private final ServerSocket server;
        private final CountDownLatch resumed = new CountDownLatch(1);
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        PausedRelay(int targetPort) throws IOException {
            server = new ServerSocket();
            server.setReceiveBufferSize(8 * 1024);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    Socket in = server.accept();
                    sockets.add(in);
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    sockets.add(out);
                    Thread.ofPlatform().daemon().start(() -> pipe(out, in));
                    resumed.await();
                    pipe(in, out);
                } catch (IOException | InterruptedException e) {
                    // closed with the test
                }
            });
        }

        private static void pipe(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // closed with the test
            }
        }

        int port() {
            return server.getLocalPort();
        }

        void resume() {
            resumed.countDown();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void writtenFramesGiveBackTheirBufferButAnOversizedOneIsNotKept() throws Exception {
        TcpClusterTransport receiver = transports.bind(ClusterAuth.NONE);
        receiver.register("g", received::add);
        TcpClusterTransport sender = transports.bind(ClusterAuth.NONE);
        RaftMember to = member(receiver.localAddress().getPort());
        int oversized = 3;
        int[] sizes = {100, 200 * 1024, 10, 2 * 1024 * 1024, 10, 400 * 1024, 10};
        for (int i = 0; i < sizes.length; i++) {
            sender.send(to, append(i, operation(sizes[i], i)));
            int arrived = i + 1;
            await("frame " + i + " arrived", () -> received.size() == arrived);
            if (i != oversized) {
                TcpClusterTransport.Spares spares = sender.spares(to.address());
                await("frame " + i + "'s buffer is back", () -> spares.size() == 1);
            }
        }
        // one buffer, grown as needed, for every frame; a second after the 2 MiB frame, whose buffer was not kept
        assertEquals(2, sender.spares(to.address()).allocated());
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(operation(sizes[i], i),
                    (byte[]) ((AppendEntriesRequest) received.get(i)).getLogEntries().get(0).getOperation());
        }
    }

    @Test
    void smallFramesWaitInArraysOfTheirOwnSizeNotInASpareEach() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // nobody reads: 60 MB of large frames fill the sockets' buffers and block the writer, so the
            // heartbeat-sized frames after them pile up in the queue
            TcpClusterTransport sender = transports.bind(ClusterAuth.NONE, LARGE_QUEUE);
            RaftMember to = member(silent.getLocalPort());
            RaftMessage large = append(0, operation(200 * 1024, 0));
            for (int i = 0; i < 300; i++) {
                sender.send(to, large);
            }
            long allocated = sender.spares(to.address()).allocated();
            RaftMessage small = append(1, operation(100, 1));
            for (int i = 0; i < 3000; i++) {
                sender.send(to, small);
            }
            assertEquals(0, sender.stats().framesDropped());
            assertTrue(sender.spares(to.address()).allocated() - allocated <= 1,
                    (sender.spares(to.address()).allocated() - allocated) + " spares allocated for 3,000 small frames");
        }
    }

    @Test
    void framesDroppedForAnUnreachablePeerGiveBackTheirBuffers() throws Exception {
        int port;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = gone.getLocalPort();
        }
        TcpClusterTransport sender = transports.bind(ClusterAuth.NONE);
        RaftMember to = member(port);
        int burst = 20;
        for (int i = 0; i < burst; i++) {
            sender.send(to, append(i, operation(30 * 1024, i)));
        }
        await("the burst is dropped", () -> sender.stats().framesDropped() == burst);
        TcpClusterTransport.Spares spares = sender.spares(to.address());
        assertEquals(TcpClusterTransport.SPARE_FRAMES_PER_PEER, spares.size());
        long allocated = spares.allocated();
        for (int i = 0; i < 5; i++) {
            sender.send(to, append(burst + i, operation(30 * 1024, i)));
            long dropped = burst + i + 1;
            await("frame " + i + " is dropped", () -> sender.stats().framesDropped() == dropped);
        }
        assertEquals(TcpClusterTransport.SPARE_FRAMES_PER_PEER, spares.size());
        assertEquals(allocated, spares.allocated());
        assertEquals(0, sender.stats().framesSent());
    }

    @Test
    void framesDroppedForAFullQueueGiveBackTheirBuffers() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // nobody reads from the writer's connection: once the sockets' buffers are full the writer blocks and
            // the 1 MiB queue fills up
            TcpClusterTransport sender = transports.bind(ClusterAuth.NONE,
                    new TcpClusterTransport.Limits(16L * 1024 * 1024, 1024 * 1024));
            RaftMember to = member(silent.getLocalPort());
            RaftMessage message = append(0, operation(200 * 1024, 0));
            int consecutiveDrops = 0;
            for (int i = 0; i < 2000 && consecutiveDrops < 20; i++) {
                long before = sender.stats().framesDropped();
                sender.send(to, message);
                consecutiveDrops = sender.stats().framesDropped() > before ? consecutiveDrops + 1 : 0;
            }
            assertEquals(20, consecutiveDrops, "the queue never filled up");
            TcpClusterTransport.Spares spares = sender.spares(to.address());
            long allocated = spares.allocated();
            long dropped = sender.stats().framesDropped();
            int sends = 50;
            for (int i = 0; i < sends; i++) {
                sender.send(to, message);
            }
            long droppedNow = sender.stats().framesDropped() - dropped;
            assertTrue(droppedNow > 0, "nothing dropped");
            // a frame that is queued keeps its buffer; one that is dropped hands it on to the next send
            long accepted = sends - droppedNow;
            assertTrue(spares.allocated() - allocated <= 1 + accepted, (spares.allocated() - allocated)
                    + " buffers allocated for " + sends + " sends of which " + accepted + " were queued");
        }
    }
}
