package flymq.raft.transport;

import flymq.raft.FatalErrors;
import flymq.raft.MemoryBudget;
import flymq.raft.RaftMember;
import flymq.raft.codec.MalformedRaftDataException;
import flymq.raft.codec.RaftModelCodec;
import io.microraft.model.message.RaftMessage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * The cluster transport over TCP: one listener on the node's {@code cluster_addr} (default port 9093) and one
 * outbound connection per peer address, shared by every Raft group on the node.
 *
 * <p><b>Wire format.</b> Each connection is one-way: the connecting node only writes, the accepting node only
 * reads (each pair of nodes therefore holds two connections). A connection starts with an 8-byte preamble,
 * then carries frames until either side closes it:
 * <pre>
 * preamble := int32 magic 0x464C5952 ("FLYR"), int32 version (3)
 * frame    := int32 length, int32 crc, byte[length] payload
 *             length  = payload size in bytes, 1..{@value #MAX_FRAME_BYTES}
 *             crc     = CRC-32C of the payload
 *             payload = one Raft message as encoded by {@link RaftModelCodec} (type, group id, sender, term, body)
 * </pre>
 * Integers are big-endian. A reader that sees a wrong magic or version, an out-of-range length, a CRC mismatch
 * or a payload that does not decode closes that connection and logs the remote address and the numbers that
 * disagreed; the sender reconnects and Raft retransmits whatever was lost. Versions 1 and 2 are those of nodes from
 * before partition command format 8: such a node is refused with a warning that says so (at most once per 10 s),
 * and refuses this version's connections in turn, so nodes of the two versions never exchange entries that one of
 * them would misapply.
 *
 * <p><b>Authenticated connections</b> ({@link ClusterAuth#sharedSecret}, version 4). The preamble says version 4
 * and a handshake follows it before any frame; frames then carry a MAC in place of the CRC:
 * <pre>
 * connector -> acceptor: preamble (version 4), byte[16] connector nonce
 * acceptor -> connector: byte[16] acceptor nonce
 * connector -> acceptor: byte[32] proof of the secret
 * acceptor -> connector: int8 0 accepted | 1 refused (then closed)
 * frame    := int32 length, byte[32] mac, byte[length] payload
 * </pre>
 * ({@link ClusterAuth} defines proof and MAC.) A node with a secret refuses a version-3 connection, and one without
 * a secret a version-4 connection, each naming the mismatch; a connection must complete its handshake within
 * {@value #HANDSHAKE_TIMEOUT_MILLIS} ms. Refused handshakes, handshakes that time out and frames whose MAC does not
 * verify close the connection and count in {@link Stats#authFailures()}; their warnings are logged at most once
 * per 10 s per cause, so a node hammered by a rogue peer does not flood its log.
 *
 * <p><b>Mutual TLS</b> ({@link ClusterAuth#withTls}). Before the preamble, both ends run a TLS handshake in which
 * each presents its node certificate and accepts only one from the cluster CA ({@link ClusterTls}); everything
 * above (preamble, the secret's handshake when a secret is set too, frames) then travels inside TLS. An inbound
 * connection whose TLS handshake fails (no certificate, one from another CA, not TLS at all) or does not finish in
 * time is closed and counted in {@link Stats#authFailures()}, like a wrong secret.
 *
 * <p><b>Sending.</b> {@link #send} encodes on the caller's (Raft) thread, because MicroRaft may reuse log entry
 * views after returning, then offers the frame to the peer's queue and returns. It encodes into one of a few spare
 * buffers per peer, which the writer gives back once the frame is written or dropped, rather than copying each frame
 * out into a fresh array (AppendEntries of tens of KB to every follower make that copy a leader's largest
 * allocation); a new buffer is allocated when no spare is left, never waited for. A frame of at most
 * {@value #SMALL_FRAME_BYTES} bytes (a heartbeat) is copied into an array of its own size instead, so that a burst
 * of them does not hold a spare each. The queue is bounded twice: at most {@value #QUEUE_FRAMES} frames and at most
 * {@link Limits#queueBytesPerPeer()} bytes of the buffers the frames hold (one frame is always
 * accepted into an empty queue); a frame beyond either is dropped and counted, since Raft retransmits and a
 * leader that blocked here would stop heartbeating all its groups. A writer thread per peer connects lazily, drains the queue
 * into a buffered stream and flushes when the queue is empty, so bursts go out in few syscalls. On a connect or
 * write failure the writer discards what is queued (stale for Raft by the time the peer returns), marks the
 * peer unreachable and retries with a backoff from 20 ms up to 500 ms.
 *
 * <p><b>Receiving.</b> A reader allocates a frame only after taking its length from the transport's read budget
 * ({@link Limits#readBytes()}, shared by all inbound connections) and gives it back once the frame is decoded and
 * handed to its group; while the budget is used up the reader waits and TCP holds the sender back. So the frames
 * being read are bounded in sum whatever the connections announce (a frame is at most {@value #MAX_FRAME_BYTES}
 * bytes; one larger than the budget waits until it has the budget to itself).
 *
 * <p>A {@link VirtualMachineError} on a transport thread halts the process ({@link FatalErrors}).
 */
public final class TcpClusterTransport implements ClusterTransport {

    public static final int MAGIC = 0x464C5952;
    /**
     * Preamble version of a connection without a cluster secret. It changes whenever what travels on the connection
     * changes in a way an older node would misread: 3 since partition entries carry command format 8, which a node
     * of versions 1 and 2 would fail to apply, entry after entry, while its log fell silently behind.
     */
    public static final int VERSION = 3;
    /** Preamble version of an authenticated connection (4; 2 before command format 8). */
    public static final int VERSION_AUTHENTICATED = 4;
    /** The preamble versions of nodes from before command format 8: refused, and said so. */
    static final int OLDER_VERSION = 1;
    static final int OLDER_VERSION_AUTHENTICATED = 2;
    static final int HANDSHAKE_TIMEOUT_MILLIS = 5000;
    private static final byte ACCEPTED = 0;
    private static final byte REFUSED = 1;
    public static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;
    /**
     * The encoder of each sending thread. It holds no memory between messages: it encodes into a buffer borrowed from
     * the peer's {@link Peer#spares} for the length of one {@link #send}, and the buffer then travels in the queue.
     */
    private static final ThreadLocal<RaftModelCodec.Out> ENCODER =
            ThreadLocal.withInitial(() -> new RaftModelCodec.Out(0));
    private static final byte[] NO_BUFFER = new byte[0];
    /** Size of a new frame buffer: a loaded partition's AppendEntries is tens of KB. */
    private static final int FRAME_BUFFER_BYTES = 64 * 1024;
    /** A buffer grown past this (a snapshot chunk) is left to the collector rather than kept as a spare. */
    private static final int MAX_SCRATCH_BYTES = 1024 * 1024;
    /** Frames up to this size are copied out of their spare into an array of their own size before they wait. */
    static final int SMALL_FRAME_BYTES = 16 * 1024;
    /** Spare frame buffers kept per peer, so a node keeps at most this many x {@link #MAX_SCRATCH_BYTES} per peer. */
    static final int SPARE_FRAMES_PER_PEER = 4;
    public static final int QUEUE_FRAMES = 8192;
    public static final int DEFAULT_PORT = 9093;

    /**
     * The transport's memory bounds.
     *
     * @param readBytes         bytes of inbound frames being read and decoded at once, over all connections
     * @param queueBytesPerPeer bytes held by the frames waiting for one peer's writer (each frame's whole buffer)
     */
    public record Limits(long readBytes, long queueBytesPerPeer) {
        public static final Limits DEFAULT = new Limits(16L * 1024 * 1024, 8L * 1024 * 1024);

        public Limits {
            if (readBytes < 1 || queueBytesPerPeer < 1) {
                throw new IllegalArgumentException("cluster transport limits must be positive: read " + readBytes
                        + " bytes, queue " + queueBytesPerPeer + " bytes per peer");
            }
        }
    }

    private static final System.Logger LOG = System.getLogger(TcpClusterTransport.class.getName());
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    private static final long MIN_BACKOFF_MILLIS = 20;
    private static final long MAX_BACKOFF_MILLIS = 500;

    private final RaftModelCodec codec = new RaftModelCodec();
    private final Limits limits;
    private final MemoryBudget readBudget;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Map<String, Consumer<RaftMessage>> groups = new ConcurrentHashMap<>();
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final Set<Socket> inbound = ConcurrentHashMap.newKeySet();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong framesReceived = new AtomicLong();
    private final AtomicLong framesRejected = new AtomicLong();
    private final AtomicLong authFailures = new AtomicLong();
    private final ClusterAuth auth;
    private final ThrottledWarning authWarnings = new ThrottledWarning();
    private volatile boolean closed;

    private TcpClusterTransport(ServerSocket server, Limits limits, ClusterAuth auth) {
        this.server = server;
        this.limits = limits;
        this.auth = auth;
        this.readBudget = new MemoryBudget("cluster.transport_read_bytes", limits.readBytes());
        this.acceptor = thread("flymq-raft-accept-" + server.getLocalPort()).unstarted(this::acceptLoop);
    }

    /**
     * Binds the cluster listener on {@code address} (port 0 picks a free port; see {@link #localAddress()}) and
     * starts accepting peers.
     */
    public static TcpClusterTransport bind(InetSocketAddress address) throws IOException {
        return bind(address, Limits.DEFAULT);
    }

    /** {@link #bind(InetSocketAddress)} with other memory bounds. */
    public static TcpClusterTransport bind(InetSocketAddress address, Limits limits) throws IOException {
        return bind(address, limits, ClusterAuth.NONE);
    }

    /** {@link #bind(InetSocketAddress, Limits)} with every connection, in and out, authenticated by {@code auth}. */
    public static TcpClusterTransport bind(InetSocketAddress address, Limits limits, ClusterAuth auth)
            throws IOException {
        Objects.requireNonNull(auth, "auth");
        InetSocketAddress resolved = address.isUnresolved()
                ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(resolved);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot bind Raft cluster listener on " + resolved + ": " + e.getMessage(), e);
        }
        TcpClusterTransport transport = new TcpClusterTransport(server, limits, auth);
        transport.acceptor.start();
        return transport;
    }

    /** The address the listener is bound to, with the real port when 0 was asked for. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void register(String groupId, Consumer<RaftMessage> handler) {
        groups.put(groupId, handler);
    }

    @Override
    public void unregister(String groupId) {
        groups.remove(groupId);
    }

    @Override
    public void send(RaftMember target, RaftMessage message) {
        if (closed) {
            return;
        }
        Peer peer = peers.computeIfAbsent(target.address(), Peer::new);
        RaftModelCodec.Out out = ENCODER.get();
        out.reset();
        out.swap(peer.spares.borrow());
        int length;
        byte[] buffer;
        try {
            out.putInt(0).putInt(0);
            codec.writeMessage(out, message);
            length = out.size() - 8;
            if (length <= MAX_FRAME_BYTES) {
                CRC32C crc = new CRC32C();
                crc.update(out.array(), 8, length);
                out.setInt(0, length);
                out.setInt(4, (int) crc.getValue());
            }
        } finally {
            // the encoder must not keep a buffer that is about to be queued
            out.reset();
            buffer = out.swap(NO_BUFFER);
        }
        if (length > MAX_FRAME_BYTES) {
            peer.spares.giveBack(buffer);
            framesDropped.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "dropping Raft message of {0} bytes to {1}: above the {2}-byte frame limit",
                    length, target, MAX_FRAME_BYTES);
            return;
        }
        if (length + 8 <= SMALL_FRAME_BYTES) {
            // a heartbeat or a small append must not hold a whole spare while it waits (thousands of groups send
            // bursts of them): it waits in an array of its own size, and the spare goes back at once
            byte[] exact = Arrays.copyOf(buffer, length + 8);
            peer.spares.giveBack(buffer);
            buffer = exact;
        }
        if (!peer.offer(new Frame(buffer, length + 8))) {
            peer.spares.giveBack(buffer);
            framesDropped.incrementAndGet();
        }
    }

    @Override
    public boolean isReachable(RaftMember target) {
        Peer peer = peers.get(target.address());
        return peer == null || peer.reachable;
    }

    /** Counters for metrics and tests. */
    public Stats stats() {
        return new Stats(framesSent.get(), framesDropped.get(), framesReceived.get(), framesRejected.get(),
                authFailures.get());
    }

    /**
     * @param framesSent     frames written to a socket
     * @param framesDropped  frames discarded: queue full, peer unreachable, or above the size limit
     * @param framesReceived frames read, checked and dispatched
     * @param framesRejected inbound frames or connections refused: bad preamble, length, CRC or encoding
     * @param authFailures   connections refused for authentication (in or out): no secret, a wrong secret, no
     *                       handshake in time, or a frame whose MAC does not verify
     */
    public record Stats(long framesSent, long framesDropped, long framesReceived, long framesRejected,
                        long authFailures) {
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        acceptor.interrupt();
        for (Peer peer : peers.values()) {
            peer.stop();
        }
        for (Socket socket : inbound) {
            closeQuietly(socket);
        }
    }

    // ---------------------------------------------------------------- inbound

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                inbound.add(socket);
                thread("flymq-raft-read-" + socket.getRemoteSocketAddress()).start(() -> readLoop(socket));
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "Raft cluster listener on " + localAddress()
                            + " failed to accept: " + e.getMessage());
                }
            }
        }
    }

    private void readLoop(Socket accepted) {
        String remote = String.valueOf(accepted.getRemoteSocketAddress());
        try (accepted) {
            if (auth.authenticates()) {
                accepted.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            }
            Socket socket = accepted;
            if (auth.tls() != null) {
                socket = acceptTls(accepted, remote);
                if (socket == null) {
                    return;
                }
            }
            readFrames(socket, new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536)), remote);
        } catch (EOFException | SocketException e) {
            // peer went away or we are closing: the normal end of an inbound connection
        } catch (SocketTimeoutException e) {
            authFailures.incrementAndGet();
            authWarnings.warn("handshake-timeout", "closing cluster connection from " + remote
                    + ": no complete handshake within " + HANDSHAKE_TIMEOUT_MILLIS + " ms");
        } catch (IOException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.INFO, "cluster connection from " + remote + " failed: " + e.getMessage());
            }
        } finally {
            inbound.remove(accepted);
        }
    }

    /**
     * The TLS handshake of an inbound connection: the TLS socket, or null when the peer did not present a certificate
     * the cluster CA vouches for (or did not speak TLS at all); counted as an authentication failure.
     */
    private SSLSocket acceptTls(Socket accepted, String remote) throws IOException {
        SSLSocket ssl = auth.tls().accepting(accepted);
        try {
            ssl.startHandshake();
            return ssl;
        } catch (SSLException e) {
            authFailures.incrementAndGet();
            authWarnings.warn("tls", "refusing cluster connection from " + remote + ": TLS handshake failed (no "
                    + "certificate from the cluster CA, or not TLS): " + e.getMessage());
            return null;
        }
    }

    /** The preamble, the secret's handshake if any, then frames until the connection ends (exceptions: caller). */
    private void readFrames(Socket socket, DataInputStream in, String remote) throws IOException {
        int magic = in.readInt();
        int version = in.readInt();
        int expectedVersion = auth.enabled() ? VERSION_AUTHENTICATED : VERSION;
        if (magic == MAGIC && (version == OLDER_VERSION || version == OLDER_VERSION_AUTHENTICATED)) {
            framesRejected.incrementAndGet();
            authWarnings.warn("older-version", "refusing cluster connection from " + remote + ": it runs an older "
                    + "FlyMQ (cluster preamble version " + version + "), whose nodes cannot apply this version's Raft "
                    + "entries; all nodes of a cluster must run one version (docs/cluster.md)");
            return;
        }
        if (magic == MAGIC && version != expectedVersion && (version == VERSION || version == VERSION_AUTHENTICATED)) {
            authFailures.incrementAndGet();
            authWarnings.warn(version == VERSION ? "unauthenticated" : "unexpected-auth",
                    "refusing cluster connection from " + remote + ": " + (version == VERSION
                            ? "it does not authenticate, and this node requires the cluster secret"
                            : "it authenticates with a cluster secret, and this node has none"));
            return;
        }
        if (magic != MAGIC || version != expectedVersion) {
            framesRejected.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, String.format(
                    "closing cluster connection from %s: preamble magic 0x%08X version %d, expected 0x%08X version %d",
                    remote, magic, version, MAGIC, expectedVersion));
            return;
        }
        ClusterAuth.FrameMac mac = null;
        if (auth.enabled()) {
            mac = acceptHandshake(socket, in, remote);
            if (mac == null) {
                return;
            }
        }
        socket.setSoTimeout(0);
        CRC32C crc = new CRC32C();
        byte[] frameMac = new byte[ClusterAuth.MAC_BYTES];
        // the connection's frames are read into one buffer: the codec copies every field out of a frame, so it is
        // free again once the frame is dispatched, and a fresh array per AppendEntries (tens of KB under load) was
        // an eighth of a follower's allocation; a buffer grown past MAX_SCRATCH_BYTES is not kept
        byte[] buffer = new byte[64 * 1024];
        while (!closed) {
            int length = in.readInt();
            int expectedCrc = 0;
            if (mac == null) {
                expectedCrc = in.readInt();
            } else {
                in.readFully(frameMac);
            }
            if (length <= 0 || length > MAX_FRAME_BYTES) {
                framesRejected.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "closing cluster connection from " + remote
                        + ": frame length " + length + " outside 1.." + MAX_FRAME_BYTES);
                return;
            }
            if (!readBudget.acquireUnless(length, () -> closed)) {
                return;
            }
            try {
                byte[] payload = length <= buffer.length ? buffer : new byte[length];
                if (!readFrame(in, payload, length, expectedCrc, crc, mac, frameMac, remote)) {
                    return;
                }
                if (payload != buffer && length <= MAX_SCRATCH_BYTES) {
                    buffer = payload;
                }
            } finally {
                readBudget.release(length);
            }
        }
    }

    /**
     * The acceptor's half of the handshake: the MAC state of the connection's frames, or null when the peer did not
     * prove the secret (it has been told, and the connection must close).
     */
    private ClusterAuth.FrameMac acceptHandshake(Socket socket, DataInputStream in, String remote)
            throws IOException {
        byte[] connectorNonce = new byte[ClusterAuth.NONCE_BYTES];
        in.readFully(connectorNonce);
        byte[] acceptorNonce = auth.nonce();
        OutputStream out = socket.getOutputStream();
        out.write(acceptorNonce);
        out.flush();
        byte[] proof = new byte[ClusterAuth.MAC_BYTES];
        in.readFully(proof);
        if (!auth.verify(proof, connectorNonce, acceptorNonce)) {
            authFailures.incrementAndGet();
            authWarnings.warn("bad-proof", "refusing cluster connection from " + remote
                    + ": its handshake does not prove the cluster secret (a node with another secret?)");
            out.write(REFUSED);
            out.flush();
            return null;
        }
        out.write(ACCEPTED);
        out.flush();
        return auth.frameMac(connectorNonce, acceptorNonce);
    }

    /** Reads, checks (CRC, or MAC when {@code mac} is set) and dispatches one frame; false to close the connection. */
    private boolean readFrame(DataInputStream in, byte[] payload, int length, int expectedCrc, CRC32C crc,
                              ClusterAuth.FrameMac mac, byte[] frameMac, String remote) throws IOException {
        in.readFully(payload, 0, length);
        if (mac != null) {
            if (!MessageDigest.isEqual(frameMac, mac.next(payload, 0, length))) {
                authFailures.incrementAndGet();
                authWarnings.warn("bad-mac", "closing cluster connection from " + remote + ": the MAC of a "
                        + length + "-byte frame does not verify (altered, replayed or forged)");
                return false;
            }
        } else {
            crc.reset();
            crc.update(payload, 0, length);
        }
        if (mac == null && (int) crc.getValue() != expectedCrc) {
            framesRejected.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, String.format(
                    "closing cluster connection from %s: CRC-32C of %d-byte frame is 0x%08X, header says 0x%08X",
                    remote, length, (int) crc.getValue(), expectedCrc));
            return false;
        }
        RaftMessage message;
        try {
            message = codec.readMessage(ByteBuffer.wrap(payload, 0, length));
        } catch (MalformedRaftDataException e) {
            framesRejected.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "closing cluster connection from " + remote
                    + ": undecodable " + length + "-byte frame: " + e.getMessage());
            return false;
        }
        framesReceived.incrementAndGet();
        Consumer<RaftMessage> handler = groups.get(String.valueOf(message.getGroupId()));
        if (handler != null) {
            handler.accept(message);
        }
        return true;
    }

    // ---------------------------------------------------------------- outbound

    /**
     * An encoded frame waiting for its peer's writer: the first {@code length} bytes of {@code buffer} (length, CRC,
     * payload). The buffer belongs to the frame until the writer has written or dropped it, then goes back to the
     * peer's spares.
     */
    private record Frame(byte[] buffer, int length) {
        /** The memory the frame holds while it waits: its whole buffer, which the queue's byte bound counts. */
        int held() {
            return buffer.length;
        }
    }

    /**
     * Spare frame buffers of one peer, at most {@link #SPARE_FRAMES_PER_PEER} (one beyond is left to the collector).
     * Copying each encoded frame out into a fresh array for the queue was 29% of a partition leader's allocation
     * under acks=all load (AppendEntries of ~64 KiB to each follower), so the queue holds the encoding buffer itself.
     * A buffer is given back only once no queued frame points into it, so no frame's bytes change while it waits.
     */
    static final class Spares {
        private final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(SPARE_FRAMES_PER_PEER);
        private final AtomicLong allocated = new AtomicLong();

        /** A spare, or a new buffer when there is none: the Raft thread never waits for the writer. */
        byte[] borrow() {
            byte[] b = queue.poll();
            if (b == null) {
                allocated.incrementAndGet();
                b = new byte[FRAME_BUFFER_BYTES];
            }
            return b;
        }

        /** Keeps {@code b} as a spare unless the pool is full, it was grown past the limit, or it is a small frame's. */
        void giveBack(byte[] b) {
            if (b.length >= FRAME_BUFFER_BYTES && b.length <= MAX_SCRATCH_BYTES) {
                queue.offer(b);
            }
        }

        int size() {
            return queue.size();
        }

        /** Buffers allocated because no spare was left, for tests. */
        long allocated() {
            return allocated.get();
        }
    }

    /** The spare frame buffers of the peer at {@code address}, or null before anything was sent to it; for tests. */
    Spares spares(String address) {
        Peer peer = peers.get(address);
        return peer == null ? null : peer.spares;
    }

    private final class Peer {
        final String address;
        final BlockingQueue<Frame> queue = new ArrayBlockingQueue<>(QUEUE_FRAMES);
        final Spares spares = new Spares();
        final AtomicLong queuedBytes = new AtomicLong();
        final Thread writer;
        volatile boolean reachable = true;
        volatile Socket socket;
        /** MAC state of the current authenticated connection; null when not authenticated. */
        private ClusterAuth.FrameMac mac;

        Peer(String address) {
            this.address = address;
            this.writer = thread("flymq-raft-send-" + address).start(this::writeLoop);
        }

        /** Queues a frame unless the queue is full in frames or bytes (an empty queue takes any one frame). */
        boolean offer(Frame frame) {
            long after = queuedBytes.addAndGet(frame.held());
            if ((after > limits.queueBytesPerPeer() && after != frame.held()) || !queue.offer(frame)) {
                queuedBytes.addAndGet(-frame.held());
                return false;
            }
            return true;
        }

        private Frame poll() throws InterruptedException {
            Frame frame = queue.poll(200, TimeUnit.MILLISECONDS);
            if (frame != null) {
                queuedBytes.addAndGet(-frame.held());
            }
            return frame;
        }

        private void drainTo(List<Frame> batch) {
            int before = batch.size();
            queue.drainTo(batch, 256);
            for (int i = before; i < batch.size(); i++) {
                queuedBytes.addAndGet(-batch.get(i).held());
            }
        }

        /** Drops everything queued (stale once the peer is back), giving back the buffers; returns how many frames. */
        private int discard() {
            List<Frame> stale = new ArrayList<>();
            queue.drainTo(stale);
            for (Frame frame : stale) {
                queuedBytes.addAndGet(-frame.held());
            }
            giveBack(stale);
            return stale.size();
        }

        private void giveBack(List<Frame> frames) {
            for (Frame frame : frames) {
                spares.giveBack(frame.buffer());
            }
        }

        void stop() {
            writer.interrupt();
            Socket s = socket;
            if (s != null) {
                closeQuietly(s);
            }
        }

        private void writeLoop() {
            long backoff = MIN_BACKOFF_MILLIS;
            List<Frame> batch = new ArrayList<>(256);
            while (!closed) {
                Frame first;
                try {
                    first = poll();
                } catch (InterruptedException e) {
                    break;
                }
                if (first == null) {
                    continue;
                }
                OutputStream out;
                try {
                    out = connection();
                    backoff = MIN_BACKOFF_MILLIS;
                } catch (IOException e) {
                    reachable = false;
                    spares.giveBack(first.buffer());
                    framesDropped.addAndGet(1 + discard());
                    LOG.log(System.Logger.Level.DEBUG, "Raft peer " + address + " unreachable: " + e.getMessage());
                    if (!sleep(backoff)) {
                        break;
                    }
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                    continue;
                }
                try {
                    batch.add(first);
                    do {
                        for (Frame frame : batch) {
                            write(out, frame);
                        }
                        framesSent.addAndGet(batch.size());
                        // the stream has copied or sent each frame's bytes by now
                        giveBack(batch);
                        batch.clear();
                        drainTo(batch);
                    } while (!batch.isEmpty());
                    out.flush();
                } catch (IOException e) {
                    giveBack(batch);
                    framesDropped.addAndGet(batch.size());
                    batch.clear();
                    reachable = false;
                    disconnect();
                    if (!closed) {
                        LOG.log(System.Logger.Level.INFO, "lost cluster connection to " + address + ": " + e.getMessage());
                    }
                }
            }
            disconnect();
            discard(); // closing: not counted as dropped, as before
        }

        /** Writes a frame as encoded by {@link #send} (length, CRC, payload), or with a MAC in place of the CRC. */
        private void write(OutputStream o, Frame frame) throws IOException {
            byte[] b = frame.buffer();
            if (mac == null) {
                o.write(b, 0, frame.length());
                return;
            }
            int length = frame.length() - 8;
            o.write(b, 0, 4);
            o.write(mac.next(b, 8, length));
            o.write(b, 8, length);
        }

        private OutputStream out;

        private OutputStream connection() throws IOException {
            if (socket != null && out != null) {
                return out;
            }
            Socket s = new Socket();
            try {
                InetSocketAddress unresolved = RaftMember.parseAddress(address);
                s.connect(new InetSocketAddress(unresolved.getHostString(), unresolved.getPort()),
                        CONNECT_TIMEOUT_MILLIS);
                s.setTcpNoDelay(true);
                Socket active = auth.tls() == null ? s : connectTls(s, unresolved.getHostString());
                OutputStream o = new BufferedOutputStream(active.getOutputStream(), 65536);
                if (auth.enabled()) {
                    mac = connectHandshake(active, o);
                } else {
                    o.write(ByteBuffer.allocate(8).putInt(MAGIC).putInt(VERSION).array());
                    mac = null;
                }
                socket = active;
                out = o;
                reachable = true;
                return o;
            } catch (IOException | RuntimeException e) {
                closeQuietly(s);
                throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            }
        }

        /**
         * The client half of mutual TLS; throws when the peer's certificate is not from the cluster CA or it refuses
         * ours (with TLS 1.3 a refusal of our certificate may only show at the first write, which then fails).
         */
        private SSLSocket connectTls(Socket s, String host) throws IOException {
            SSLSocket ssl = auth.tls().connecting(s, host);
            ssl.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            try {
                ssl.startHandshake();
            } catch (SSLException e) {
                authFailures.incrementAndGet();
                authWarnings.warn("tls-to-" + address, "cluster peer " + address + ": TLS handshake failed (its "
                        + "certificate is not from the cluster CA, or it refused ours): " + e.getMessage());
                throw e;
            }
            ssl.setSoTimeout(0);
            return ssl;
        }

        /** The connector's half of the handshake; throws when the peer refuses it or closes. */
        private ClusterAuth.FrameMac connectHandshake(Socket s, OutputStream o) throws IOException {
            byte[] connectorNonce = auth.nonce();
            o.write(ByteBuffer.allocate(8).putInt(MAGIC).putInt(VERSION_AUTHENTICATED).array());
            o.write(connectorNonce);
            o.flush();
            s.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] acceptorNonce = new byte[ClusterAuth.NONCE_BYTES];
            int status;
            try {
                in.readFully(acceptorNonce);
                o.write(auth.proof(connectorNonce, acceptorNonce));
                o.flush();
                status = in.read();
            } catch (EOFException e) {
                status = -1;
            }
            if (status != ACCEPTED) {
                authFailures.incrementAndGet();
                String why = status == REFUSED ? "refused our cluster secret (the nodes' secrets differ)"
                        : "closed the connection during the handshake (it has no cluster secret, or another version)";
                authWarnings.warn("refused-by-" + address, "cluster peer " + address + " " + why);
                throw new IOException("cluster peer " + address + " " + why);
            }
            s.setSoTimeout(0);
            return auth.frameMac(connectorNonce, acceptorNonce);
        }

        private void disconnect() {
            Socket s = socket;
            socket = null;
            out = null;
            if (s != null) {
                closeQuietly(s);
            }
        }
    }

    /** Logs a warning at most once per 10 s per cause, saying how many were held back meanwhile. */
    private static final class ThrottledWarning {
        private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
        private final Map<String, long[]> causes = new ConcurrentHashMap<>();

        void warn(String cause, String message) {
            long now = System.nanoTime();
            long[] state = causes.computeIfAbsent(cause, c -> new long[] {now - INTERVAL_NANOS - 1, 0});
            long suppressed;
            synchronized (state) {
                if (now - state[0] < INTERVAL_NANOS) {
                    state[1]++;
                    return;
                }
                suppressed = state[1];
                state[0] = now;
                state[1] = 0;
            }
            LOG.log(System.Logger.Level.WARNING, message
                    + (suppressed > 0 ? " (" + suppressed + " more like it in the last 10 s not logged)" : ""));
        }
    }

    private static Thread.Builder thread(String name) {
        return Thread.ofPlatform().daemon().name(name).uncaughtExceptionHandler(FatalErrors.HANDLER);
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing on shutdown or after a failure: nothing left to report
        }
    }
}
