package flymq.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.raft.RaftMember;
import flymq.raft.codec.RaftModelCodec;
import io.microraft.model.message.RaftMessage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cluster secret on the wire: who gets through, and what a peer without it (or a forger) gets. */
class ClusterAuthTransportTest {

    private static final ClusterAuth SECRET =
            ClusterAuth.sharedSecret("correct horse battery staple".getBytes(StandardCharsets.UTF_8));
    private static final ClusterAuth OTHER =
            ClusterAuth.sharedSecret("another secret, same length!".getBytes(StandardCharsets.UTF_8));

    private final RaftModelCodec codec = new RaftModelCodec();
    private final LoopbackTransports transports = new LoopbackTransports();
    private final List<RaftMessage> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        transports.close();
    }

    private TcpClusterTransport receiver(ClusterAuth auth) throws IOException {
        TcpClusterTransport t = transports.bind(auth);
        t.register("g", received::add);
        return t;
    }

    private static RaftMember member(TcpClusterTransport t) {
        return new RaftMember("r", "127.0.0.1:" + t.localAddress().getPort());
    }

    private RaftMessage vote(long term) {
        return codec.factory().createVoteRequestBuilder().setGroupId("g").setSender(new RaftMember("s", "127.0.0.1:1"))
                .setTerm((int) term).setLastLogTerm(0).setLastLogIndex(0).setSticky(false).build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void nodesSharingTheSecretExchangeMessages() throws Exception {
        TcpClusterTransport receiver = receiver(SECRET);
        TcpClusterTransport sender = transports.bind(SECRET);
        for (int i = 1; i <= 3; i++) {
            sender.send(member(receiver), vote(i));
        }
        await("three messages", () -> received.size() == 3);
        assertEquals(List.of(1, 2, 3), received.stream().map(RaftMessage::getTerm).toList());
        assertEquals(0, receiver.stats().authFailures());
        assertEquals(0, sender.stats().authFailures());
    }

    @Test
    void aNodeWithAnotherSecretIsRefusedAndKnowsIt() throws Exception {
        TcpClusterTransport receiver = receiver(SECRET);
        TcpClusterTransport rogue = transports.bind(OTHER);
        rogue.send(member(receiver), vote(99));
        await("the refusal on both sides", () -> receiver.stats().authFailures() >= 1
                && rogue.stats().authFailures() >= 1);
        assertEquals(List.of(), received, "frames are read only after a handshake that proved the secret");
    }

    @Test
    void aNodeWithoutASecretIsRefused() throws Exception {
        TcpClusterTransport receiver = receiver(SECRET);
        TcpClusterTransport plain = transports.bind(ClusterAuth.NONE);
        plain.send(member(receiver), vote(99));
        await("the refusal", () -> receiver.stats().authFailures() >= 1);
        assertEquals(List.of(), received);
    }

    @Test
    void aNodeWithASecretDoesNotTalkToOneWithout() throws Exception {
        TcpClusterTransport plainReceiver = receiver(ClusterAuth.NONE);
        TcpClusterTransport sender = transports.bind(SECRET);
        sender.send(member(plainReceiver), vote(1));
        await("the refusal on both sides", () -> plainReceiver.stats().authFailures() >= 1
                && sender.stats().authFailures() >= 1);
        assertEquals(List.of(), received);
    }

    @Test
    void aNodeOfAnOlderVersionIsRefusedEvenWithAWellFormedFrame() throws Exception {
        TcpClusterTransport receiver = receiver(ClusterAuth.NONE);
        RaftModelCodec.Out payload = new RaftModelCodec.Out(64);
        codec.writeMessage(payload, vote(7));
        byte[] p = payload.toByteArray();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(p);
        // 1 and 2: the preambles of nodes from before partition command format 8, which they would misapply
        for (int version : new int[] {1, 2, TcpClusterTransport.VERSION}) {
            try (Socket s = new Socket("127.0.0.1", receiver.localAddress().getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(ByteBuffer.allocate(16 + p.length).putInt(TcpClusterTransport.MAGIC)
                        .putInt(version).putInt(p.length).putInt((int) crc.getValue()).put(p).array());
                if (version == TcpClusterTransport.VERSION) {
                    await("the frame under this version's preamble", () -> received.size() == 1);
                } else {
                    assertEquals(-1, s.getInputStream().read(), "version " + version + " is closed unanswered");
                }
            }
        }
        assertEquals(1, received.size(), "only this version's frame was delivered");
        assertEquals(2, receiver.stats().framesRejected());
    }

    @Test
    void aForgedOrReplayedFrameClosesTheConnection() throws Exception {
        TcpClusterTransport receiver = receiver(SECRET);
        try (Socket s = new Socket("127.0.0.1", receiver.localAddress().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] connectorNonce = SECRET.nonce();
            out.write(ByteBuffer.allocate(8).putInt(TcpClusterTransport.MAGIC)
                    .putInt(TcpClusterTransport.VERSION_AUTHENTICATED).array());
            out.write(connectorNonce);
            byte[] acceptorNonce = new byte[ClusterAuth.NONCE_BYTES];
            in.readFully(acceptorNonce);
            out.write(SECRET.proof(connectorNonce, acceptorNonce));
            assertEquals(0, in.read(), "accepted");
            ClusterAuth.FrameMac mac = SECRET.frameMac(connectorNonce, acceptorNonce);

            RaftModelCodec.Out payload = new RaftModelCodec.Out(64);
            codec.writeMessage(payload, vote(7));
            byte[] p = payload.toByteArray();
            byte[] frame = ByteBuffer.allocate(4 + ClusterAuth.MAC_BYTES + p.length).putInt(p.length)
                    .put(mac.next(p, 0, p.length)).put(p).array();
            out.write(frame);
            await("the authentic frame", () -> received.size() == 1);

            out.write(frame); // the same bytes again: its MAC was for sequence 0
            assertEquals(-1, in.read(), "the receiver closed the connection");
            await("the failure counted", () -> receiver.stats().authFailures() == 1);
            assertEquals(1, received.size(), "the replayed frame was not delivered");
        }
    }

    @Test
    void aSecretShorterThanSixteenBytesIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ClusterAuth.sharedSecret(new byte[15]));
        assertTrue(e.getMessage().contains("at least 16 bytes"), e.getMessage());
    }
}
