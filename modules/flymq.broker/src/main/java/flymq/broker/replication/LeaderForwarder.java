package flymq.broker.replication;

import flymq.broker.auth.NodeLogin;
import flymq.protocol.ErrorFrame;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameHeader;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.AuthRequest;
import flymq.protocol.message.AuthResponse;
import flymq.protocol.message.WireMessage;
import flymq.raft.RaftMember;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Sends a request on to another node's client port, in the ordinary wire protocol, and returns its answer: how a
 * non-leader serves a request only the leader may execute, so SDKs that do not route keep working. Idle
 * connections are kept per address for reuse; a connection that fails or times out is closed. An ERROR answer
 * becomes a {@link RequestException} with the leader's text, so the client sees the leader's own error.
 *
 * <p>Memory: the request bytes being written and the answer bytes being read by all forwarding threads of the node
 * draw on one budget ({@code cluster.forward_inflight_bytes}). A request waits for room before it is written and
 * gives it back once written; an answer waits for room after its header announced its length, before the buffer
 * is allocated, and gives it back when the call returns (the callers merge the answer and drop it). The two are
 * taken one after the other, never together, so forwarders cannot hold the budget while waiting for it. After
 * {@code cluster.budget_wait_ms} without room the call fails with {@link ClusterBusyException}: a request not yet
 * written was not forwarded at all; an answer that could not be read closes its connection.
 *
 * <p>With {@code auth.enabled} each new connection logs in first ({@link Login}): the node that forwards has already
 * checked the client's request, and the receiving node serves it as a node ({@link NodeLogin}, proving the cluster
 * secret) or, in a cluster without a secret, as the bootstrap admin. When the nodes' client ports speak TLS, each
 * connection is TLS ({@link ForwardTls}) before anything else is sent.
 */
final class LeaderForwarder implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 2_000;
    private static final int READ_TIMEOUT_MS = 10_000;

    /** The node could not be reached or did not answer; its answer, if any, is not known. */
    static final class Unreachable extends RequestException {
        Unreachable(String message) {
            super(message);
        }
    }

    private record Link(Socket socket, InputStream in, OutputStream out) {
    }

    private final ConcurrentHashMap<String, ConcurrentLinkedQueue<Link>> idle = new ConcurrentHashMap<>();
    private final Admission admission;
    private final Login login;
    private final ForwardTls tls;
    private volatile boolean closed;

    /** How a node logs in on each new connection when {@code auth.enabled} is true. */
    sealed interface Login {
        /** As a cluster node, proving the cluster secret ({@link NodeLogin}). */
        record AsNode(NodeLogin nodes) implements Login {
        }

        /**
         * As the bootstrap admin, whose password every node of the cluster is configured with (a cluster without a
         * secret). {@link #toString()} leaves the password out.
         */
        record AsAdmin(String user, String password) implements Login {
            @Override
            public String toString() {
                return "AsAdmin[" + user + "]";
            }
        }
    }

    /**
     * @param admission the node's forwarding budget and how long a call waits for it
     * @param login     sent as AUTH on every new connection before anything else, or null (auth off)
     */
    LeaderForwarder(Admission admission, Login login) {
        this(admission, login, null);
    }

    /** @param tls TLS for every connection (the nodes' client ports speak TLS), or null for plaintext */
    LeaderForwarder(Admission admission, Login login, ForwardTls tls) {
        this.admission = admission;
        this.login = login;
        this.tls = tls;
    }

    /** Sends {@code request} under {@code opcode}; @return the response payload (the opcode echoes the request's) */
    byte[] call(String nodeId, String clientAddr, int opcode, WireMessage request) {
        PayloadWriter payload = new PayloadWriter(request.sizeHint());
        request.write(payload);
        return call(nodeId, clientAddr, opcode, payload);
    }

    /** @return the response payload (the opcode echoes the request's) */
    byte[] call(String nodeId, String clientAddr, int opcode, PayloadWriter payload) {
        if (closed) {
            throw new RequestException("node is shutting down: cannot forward " + Opcodes.name(opcode) + " to leader "
                    + nodeId);
        }
        String what = "forwarding " + Opcodes.name(opcode) + " to leader " + nodeId;
        int requestBytes = payload.size();
        admission.admit(requestBytes, what);
        boolean requestHeld = true;
        Link link = idle.computeIfAbsent(clientAddr, a -> new ConcurrentLinkedQueue<>()).poll();
        try {
            if (link == null) {
                link = open(nodeId, clientAddr);
            }
            payload.writeFrame(link.out(), opcode, FrameCodec.FLAG_BINARY);
            link.out().flush();
            admission.release(requestBytes);
            requestHeld = false;
            FrameHeader header = FrameCodec.readHeader(link.in());
            if (header == null) {
                throw new IOException("connection closed before the answer");
            }
            byte[] answer = readAnswer(link, header, what);
            idle.get(clientAddr).offer(link);
            if (header.opcode() == Opcodes.ERROR) {
                throw new RequestException(ErrorFrame.decode(answer));
            }
            return answer;
        } catch (IOException e) {
            if (link != null) {
                closeQuietly(link.socket());
            }
            throw new Unreachable("cannot forward " + Opcodes.name(opcode) + " to leader " + nodeId + " at "
                    + clientAddr + ": " + e);
        } finally {
            if (requestHeld) {
                admission.release(requestBytes);
            }
        }
    }

    /** Reads the answer into a buffer admitted by the budget; a refused answer closes the connection unread. */
    private byte[] readAnswer(Link link, FrameHeader header, String what) throws IOException {
        try {
            admission.admit(header.length(), what + " (its " + header.length() + "-byte answer)");
        } catch (RuntimeException e) {
            closeQuietly(link.socket());
            throw e;
        }
        try {
            byte[] answer = new byte[header.length()];
            FrameCodec.readFully(link.in(), answer, 0, answer.length);
            return header.gzipped() ? FrameCodec.gunzip(answer, 0, answer.length) : answer;
        } finally {
            admission.release(header.length());
        }
    }

    private Link open(String nodeId, String clientAddr) throws IOException {
        InetSocketAddress target = RaftMember.parseAddress(clientAddr);
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(target.getHostString(), target.getPort()), CONNECT_TIMEOUT_MS);
            s.setTcpNoDelay(true);
            s.setSoTimeout(READ_TIMEOUT_MS);
            Socket conn = tls == null ? s : tls.connect(s, target.getHostString(), Duration.ofMillis(READ_TIMEOUT_MS));
            Link link = new Link(conn, new BufferedInputStream(conn.getInputStream(), 64 * 1024),
                    new BufferedOutputStream(conn.getOutputStream(), 64 * 1024));
            if (login != null) {
                logIn(link, nodeId, clientAddr);
            }
            return link;
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
    }

    /** Logs in as {@link #login} on a new connection; a refusal names the configuration every node needs. */
    private void logIn(Link link, String nodeId, String clientAddr) throws IOException {
        switch (login) {
            case Login.AsAdmin admin -> {
                AuthResponse r = auth(link, new AuthRequest(admin.user(), admin.password()), clientAddr);
                if (!r.success()) {
                    throw new RequestException("node " + nodeId + " at " + clientAddr + " refused this node's login "
                            + "as '" + admin.user() + "': every node of a cluster with auth.enabled and no cluster "
                            + "secret needs the same auth.admin_username and auth.admin_password");
                }
            }
            case Login.AsNode node -> {
                String user = node.nodes().user();
                AuthResponse challenge = auth(link, new AuthRequest(user, ""), clientAddr);
                if (challenge.success() || !challenge.error().startsWith(NodeLogin.CHALLENGE_PREFIX)) {
                    throw new RequestException("node " + nodeId + " at " + clientAddr + " does not admit node logins "
                            + "(it has no cluster secret): every node of a cluster needs the same cluster secret");
                }
                AuthResponse r = auth(link, new AuthRequest(user, node.nodes().answer(nodeId, challenge.error())),
                        clientAddr);
                if (!r.success()) {
                    throw new RequestException("node " + nodeId + " at " + clientAddr + " refused this node's login "
                            + "as '" + user + "': every node of a cluster needs the same cluster secret");
                }
            }
        }
    }

    private static AuthResponse auth(Link link, AuthRequest request, String clientAddr) throws IOException {
        PayloadWriter auth = new PayloadWriter(request.sizeHint());
        request.write(auth);
        auth.writeFrame(link.out(), Opcodes.AUTH, FrameCodec.FLAG_BINARY);
        link.out().flush();
        FrameHeader header = FrameCodec.readHeader(link.in());
        if (header == null || header.length() > 64 * 1024) {
            throw new IOException("no answer to AUTH from " + clientAddr);
        }
        byte[] answer = new byte[header.length()];
        FrameCodec.readFully(link.in(), answer, 0, answer.length);
        if (header.opcode() == Opcodes.ERROR) {
            throw new RequestException("node at " + clientAddr + " refused this node's login as '"
                    + request.username() + "': " + ErrorFrame.decode(answer));
        }
        return AuthResponse.read(new PayloadReader(answer));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a socket we are discarding: nothing left to do
        }
    }

    @Override
    public void close() {
        closed = true;
        idle.values().forEach(q -> {
            for (Link l; (l = q.poll()) != null; ) {
                closeQuietly(l.socket());
            }
        });
    }
}
