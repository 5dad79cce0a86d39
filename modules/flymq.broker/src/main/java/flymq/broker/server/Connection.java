package flymq.broker.server;

import flymq.broker.BrokerListener;
import flymq.protocol.ErrorFrame;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameException;
import flymq.protocol.FrameHeader;
import flymq.protocol.FrameTooLargeException;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.ReadSpin;
import flymq.protocol.RequestException;
import flymq.protocol.tls.TlsSockets;
import flymq.broker.tls.ServerTls;
import flymq.storage.StorageException;
import flymq.storage.StorageFaults;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * One client connection, served on its own thread (platform or virtual, see {@link ProtocolServer}): read a frame,
 * dispatch it, write the response, repeat. Between requests the thread spins briefly before it blocks
 * ({@link ReadSpin}). Requests may be pipelined; responses go out strictly in request order
 * and the socket is flushed once per batch (when no further request is already buffered), so a pipelining producer
 * gets one syscall per batch.
 *
 * <p>A response may end with stored record bytes ({@link FileRegionHandler}, BATCH_FETCH): those go from the segment
 * files to the socket with {@code FileChannel.transferTo}, never through the heap. On a TLS connection they cannot
 * (the bytes must be encrypted in this process): they are read from the files into a 64 KiB chunk borrowed from
 * {@link RequestMemory} and written from it, so the heap they take stays bounded whatever the fetch size.
 *
 * <p>TLS: the acceptor only accepts; the handshake happens here, on the connection's own thread, so a client that
 * connects and never (or slowly) handshakes holds only its own thread, never the acceptor. It must finish within the
 * handshake timeout, which {@link ProtocolServer}'s housekeeping enforces like the idle timeout (no timed reads).
 *
 * <p>Memory: an idle connection holds its own {@value FrameInput#OWN_BYTES}-byte read array and a few small objects;
 * the buffers a request needs (a read buffer for large or pipelined requests, the response writer, a batch of
 * responses) are borrowed from the server's {@link RequestMemory} while it is busy and given back before it blocks
 * waiting for its next request. A client that stops reading blocks this thread in a write, which stops it reading
 * further requests; the server closes it after the write timeout.
 */
final class Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final byte[] NO_BYTES = new byte[0];
    /** How long the rest of an oversize frame is read and dropped before the connection closes. */
    private static final Duration OVERSIZE_DRAIN = Duration.ofSeconds(2);

    private final ProtocolServer server;
    private final SocketChannel channel;
    private final Socket socket;
    private final ResponseTail tail = new ResponseTail();
    private final HandlerRegistry handlers;
    private final BrokerListener listener;
    private final Session session;
    private final InetAddress remoteAddress;
    private final ReadSpin readSpin;
    private final ServerTls tls;
    /** The TLS socket over {@link #socket} once the connection thread layered it, else null. */
    private volatile SSLSocket ssl;
    /** When a TLS connection was accepted, until its handshake completes (0 otherwise). */
    private volatile long handshakeSince;
    /** The encrypted bytes of a TLS connection, read ahead in large pieces; null in plaintext. */
    private InputStream tlsIn;
    /** Bytes of application data in a full TLS record. */
    private static final int TLS_RECORD_BYTES = 16 * 1024;
    /** The file-to-TLS copy buffer when no {@link RequestMemory} chunk is free, made when first needed. */
    private byte[] tlsChunk;
    private volatile long writeBlockedSince;
    /**
     * When this connection started waiting for its next request (0 while serving one). The idle timeout is enforced
     * by {@link ProtocolServer}'s housekeeping from this, not by a socket read timeout: a timed read makes the JDK
     * switch the socket to non-blocking and poll before every read, three system calls per request instead of one.
     */
    private volatile long readWaitSince = System.nanoTime();

    Connection(ProtocolServer server, SocketChannel channel, InetAddress remoteAddress, HandlerRegistry handlers,
               BrokerListener listener, ServerTls tls) throws IOException {
        this.server = server;
        this.tls = tls;
        this.handshakeSince = tls == null ? 0 : System.nanoTime();
        this.remoteAddress = remoteAddress;
        this.channel = channel;
        this.socket = channel.socket();
        this.handlers = handlers;
        this.listener = listener;
        this.readSpin = new ReadSpin(server.readSpinNanos());
        socket.setTcpNoDelay(true);
        String member = socket.getRemoteSocketAddress() instanceof InetSocketAddress isa
                ? isa.getAddress().getHostAddress() + ":" + isa.getPort()
                : String.valueOf(socket.getRemoteSocketAddress());
        this.session = new Session(member);
    }

    Session session() {
        return session;
    }

    InetAddress remoteAddress() {
        return remoteAddress;
    }

    long writeBlockedSince() {
        return writeBlockedSince;
    }

    long readWaitSince() {
        return readWaitSince;
    }

    /** When this TLS connection was accepted if its handshake is not complete yet, else 0. */
    long handshakeSince() {
        return handshakeSince;
    }

    /** The TLS handshake, on this thread; on failure the connection just closes (the client sees why). */
    private boolean handshake() throws IOException {
        tlsIn = ServerTls.encryptedInput(socket);
        SSLSocket s = tls.layer(socket, tlsIn);
        ssl = s;
        try {
            s.startHandshake();
        } catch (SSLException e) {
            server.handshakeFailed(session, e);
            return false;
        }
        handshakeSince = 0;
        return true;
    }

    @Override
    public void run() {
        try {
            safeListener(true);
            if (tls == null || handshake()) {
                serve();
            }
        } catch (FrameException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> session + ": closing on framing error: " + e.getMessage());
        } catch (EOFException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> session + ": closed mid-frame: " + e.getMessage());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> session + ": I/O error: " + e);
        } catch (Throwable e) {
            // an Error here (out of memory in a handler) ends this connection only; the broker keeps serving
            try {
                server.connectionFailed(session, e);
            } catch (Throwable ignored) {
                // no memory even to log: closing below is what matters
            }
        } finally {
            SSLSocket s = ssl;
            if (s != null) {
                // close_notify is a write: a peer that stopped reading is cut off by the write timeout
                writeBlockedSince = System.nanoTime();
                ProtocolServer.closeQuietly(s);
            }
            ProtocolServer.closeQuietly(socket);
            server.connectionClosed(this);
            safeListener(false);
        }
    }

    private void serve() throws IOException {
        Socket active = ssl != null ? ssl : socket;
        ResponseOutput[] outRef = new ResponseOutput[1];
        FrameInput in = new FrameInput(active.getInputStream(), server.memory(), this::closing, () -> {
            if (outRef[0] != null) {
                outRef[0].flush();
            }
        });
        ResponseOutput out = new ResponseOutput(active.getOutputStream(), server.memory(), in);
        outRef[0] = out;
        InputStream socketIn = ssl != null
                ? TlsSockets.spinView(ssl.getInputStream(), tlsIn) : socket.getInputStream();
        PayloadReader reader = new PayloadReader(NO_BYTES, 0, 0);
        PayloadWriter writer = null;
        try {
            while (true) {
                readWaitSince = System.nanoTime();
                if (!in.hasBufferedBytes()) {
                    // a client that sends one request per round trip answers within microseconds: catch its next
                    // request without sleeping (ReadSpin says why that matters)
                    if (!readSpin.awaitInput(socketIn)) {
                        // about to block, perhaps for minutes: an idle connection holds no borrowed memory
                        out.flush();
                        in.releaseIfEmpty();
                        if (writer != null) {
                            server.memory().recycle(writer);
                            writer = null;
                        }
                    }
                }
                FrameHeader header;
                try {
                    header = in.readHeader();
                } catch (FrameTooLargeException e) {
                    refuseOversizeFrame(out, e);
                    return;
                }
                if (header == null) {
                    break;
                }
                in.readPayload();
                long now = System.nanoTime();
                readWaitSince = 0;
                session.touch(now);
                if (writer == null) {
                    writer = server.memory().writer();
                }
                int responseOpcode = dispatch(header, in.array(), in.payloadOffset(), reader, writer);
                in.consumeFrame();
                writeBlockedSince = System.nanoTime();
                if (tail.isEmpty()) {
                    boolean more = in.hasBufferedBytes() && !server.draining();
                    out.expectMore(more);
                    writer.writeFrame(out, responseOpcode, FrameCodec.FLAG_BINARY);
                    if (!more) {
                        out.flush();
                    }
                } else {
                    writeWithTail(out, responseOpcode, writer);
                }
                writeBlockedSince = 0;
                writer.reset();
                if (server.draining()) {
                    break;
                }
            }
        } finally {
            // answers to requests read before a framing error, EOF or shutdown still go out, as upstream's
            // write-per-response loop would have sent them
            writeBlockedSince = System.nanoTime();
            try {
                out.flush();
            } catch (IOException ignored) {
                // the peer is gone; nothing left to deliver
            }
            writeBlockedSince = 0;
            in.close();
            if (writer != null) {
                server.memory().recycle(writer);
            }
        }
    }

    /**
     * A header announcing more than the protocol allows: the stream cannot be resynchronised, but the client is told
     * which limit it broke. The ERROR goes out, then the write side is closed and what the client still sends is
     * read and dropped (into a small array) for a moment, so that closing does not reset the connection and destroy
     * the ERROR before the client has read it.
     */
    private void refuseOversizeFrame(ResponseOutput out, FrameTooLargeException e) throws IOException {
        LOG.log(System.Logger.Level.DEBUG, () -> session + ": " + e.getMessage());
        PayloadWriter w = server.memory().writer();
        try {
            error(w, e.getMessage());
            out.expectMore(false);
            w.writeFrame(out, Opcodes.ERROR, FrameCodec.FLAG_BINARY);
            out.flush();
        } finally {
            server.memory().recycle(w);
        }
        Socket active = ssl != null ? ssl : socket;
        active.shutdownOutput();
        active.setSoTimeout((int) OVERSIZE_DRAIN.toMillis());
        byte[] discard = new byte[FrameInput.OWN_BYTES];
        long deadline = System.nanoTime() + OVERSIZE_DRAIN.toNanos();
        InputStream socketIn = active.getInputStream();
        try {
            while (System.nanoTime() - deadline < 0 && socketIn.read(discard) >= 0) {
                // dropped: only the end of the stream (or the deadline) matters
            }
        } catch (IOException ignored) {
            // timed out or reset: closed below either way
        }
    }

    /** Whether this connection is being closed (ends a wait for request memory). */
    private boolean closing() {
        return !channel.isOpen() || server.draining();
    }

    /**
     * Head and tail of a response that ends with stored records: the head goes through the stream buffer (flushed,
     * so that order holds), the slices go from their files into the socket channel. Once the head is out the frame
     * is committed: a slice that cannot be sent (its segment deleted meanwhile) leaves no way to finish the frame
     * correctly, so the connection is closed and the client retries on a new one.
     */
    private void writeWithTail(ResponseOutput out, int responseOpcode, PayloadWriter writer)
            throws IOException {
        long total = writer.size() + tail.bytes();
        if (total > FrameCodec.MAX_PAYLOAD) {
            // a handler bug: never let an oversized frame out, answer with an error the client can report
            tail.clear();
            error(writer, "internal error: response of " + total + " bytes exceeds " + FrameCodec.MAX_PAYLOAD);
            out.expectMore(false);
            writer.writeFrame(out, Opcodes.ERROR, FrameCodec.FLAG_BINARY);
            out.flush();
            return;
        }
        byte[] head = writer.toFrame(responseOpcode, FrameCodec.FLAG_BINARY);
        FrameCodec.encodeHeader(head, 0, responseOpcode, FrameCodec.FLAG_BINARY, (int) total);
        if (ssl != null) {
            writeTailOverTls(out, head);
            return;
        }
        out.expectMore(false);
        out.write(head);
        out.flush();
        try {
            tail.transferTo(channel);
        } finally {
            tail.clear();
        }
    }

    /**
     * No sendfile through TLS: head and records go through one heap buffer, the records read from their files
     * straight into it, and leave in writes of the whole buffer, so the TLS layer cuts full 16 KiB records (a head of
     * its own would be a small record, and 8 KiB writes half-full ones). The buffer is a {@link RequestMemory} chunk
     * for the moment of the copy; when the budget has none to spare, the connection's own small one.
     */
    private void writeTailOverTls(ResponseOutput out, byte[] head) throws IOException {
        out.expectMore(false);
        byte[] buffer = server.memory().tryAcquireChunk();
        boolean borrowed = buffer != null;
        if (!borrowed) {
            if (tlsChunk == null) {
                tlsChunk = new byte[TLS_RECORD_BYTES];
            }
            buffer = tlsChunk;
        }
        try {
            int fill = 0;
            if (head.length >= buffer.length) {
                out.write(head);
            } else {
                System.arraycopy(head, 0, buffer, 0, head.length);
                fill = head.length;
            }
            fill = tail.copyThrough(buffer, fill, out);
            if (fill > 0) {
                out.write(buffer, 0, fill);
            }
            out.flush();
        } finally {
            tail.clear();
            if (borrowed) {
                server.memory().release(buffer, this, false);
            }
        }
    }

    /** Runs the handler; returns the response opcode with the response (or ERROR) payload in {@code writer}. */
    private int dispatch(FrameHeader header, byte[] buffer, int offset, PayloadReader reader, PayloadWriter writer) {
        int length = header.length();
        int opcode = header.opcode();
        RequestHandler handler = handlers.handler(opcode);
        if (handler == null) {
            return error(writer, "unknown opcode: " + opcode);
        }
        try {
            if (header.gzipped()) {
                byte[] plain = FrameCodec.gunzip(buffer, offset, length);
                reader.reset(plain, 0, plain.length);
            } else {
                reader.reset(buffer, offset, length);
            }
            RequestGuard guard = handlers.guard();
            byte[] request = reader.array();
            int start = reader.position();
            int size = reader.remaining();
            guard.admit(session, opcode, new PayloadReader(request, start, size));
            boolean follow = guard.follows(opcode);
            if (handler instanceof FileRegionHandler regions) {
                regions.handle(session, reader, writer, tail);
            } else {
                handler.handle(session, reader, writer);
            }
            if (follow) {
                try {
                    guard.served(session, opcode, new PayloadReader(request, start, size));
                } catch (RuntimeException e) {
                    // the request succeeded: a failure to record it must not turn its answer into an error
                    LOG.log(System.Logger.Level.WARNING, session + ": after " + Opcodes.name(opcode) + ": " + e);
                }
            }
            return handlers.responseOpcode(opcode);
        } catch (RequestException | MalformedPayloadException e) {
            tail.clear();
            return error(writer, e.getMessage());
        } catch (StorageException e) {
            // the storage tracker logs a failing disk once per state change, not once per request
            tail.clear();
            LOG.log(System.Logger.Level.DEBUG, session + ": " + Opcodes.name(opcode) + " failed", e);
            return error(writer, "storage error (" + StorageFaults.classify(e) + "): " + e.getMessage());
        } catch (RuntimeException e) {
            tail.clear();
            LOG.log(System.Logger.Level.ERROR, session + ": " + Opcodes.name(opcode) + " failed", e);
            return error(writer, "internal error while serving " + Opcodes.name(opcode) + ": " + e.getMessage());
        }
    }

    private static int error(PayloadWriter writer, String message) {
        writer.reset();
        ErrorFrame.encode(writer, message);
        return Opcodes.ERROR;
    }

    /** Shutdown: no new requests are read; the request being served still gets its response. */
    void stopReading() {
        try {
            socket.shutdownInput();
        } catch (IOException e) {
            closeNow();
        }
    }

    void closeNow() {
        ProtocolServer.closeQuietly(socket);
    }

    private void safeListener(boolean opened) {
        try {
            if (opened) {
                listener.connectionOpened();
            } else {
                listener.connectionClosed();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "broker listener failed", e);
        }
    }
}
