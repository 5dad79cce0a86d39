package flymq.broker.server;

import flymq.broker.BrokerListener;
import flymq.protocol.ErrorFrame;
import flymq.protocol.FrameCodec;
import flymq.protocol.FrameException;
import flymq.protocol.FrameHeader;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.ReadSpin;
import flymq.protocol.RequestException;
import flymq.storage.StorageException;
import flymq.storage.StorageFaults;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/**
 * One client connection, served on its own thread (platform or virtual, see {@link ProtocolServer}): read a frame,
 * dispatch it, write the response, repeat. Between requests the thread spins briefly before it blocks
 * ({@link ReadSpin}). Requests may be pipelined; responses go out strictly in request order
 * and the socket is flushed once per batch (when no further request is already buffered), so a pipelining producer
 * gets one syscall per batch.
 *
 * <p>A response may end with stored record bytes ({@link FileRegionHandler}, BATCH_FETCH): those go from the segment
 * files to the socket with {@code FileChannel.transferTo}, never through the heap.
 *
 * <p>Memory per connection is bounded: one request buffer (at most 32 MiB, shrunk back after large frames), one
 * response buffer (same), 64 KiB of buffered input and output. A client that stops reading blocks this thread in a
 * write, which stops it reading further requests; the server closes it after the write timeout.
 */
final class Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final int IO_BUFFER = 64 * 1024;
    private static final int RETAINED_REQUEST_BUFFER = 1 << 20;

    private final ProtocolServer server;
    private final SocketChannel channel;
    private final Socket socket;
    private final ResponseTail tail = new ResponseTail();
    private final HandlerRegistry handlers;
    private final BrokerListener listener;
    private final Session session;
    private final ReadSpin readSpin;
    private volatile long writeBlockedSince;
    /**
     * When this connection started waiting for its next request (0 while serving one). The idle timeout is enforced
     * by {@link ProtocolServer}'s housekeeping from this, not by a socket read timeout: a timed read makes the JDK
     * switch the socket to non-blocking and poll before every read, three system calls per request instead of one.
     */
    private volatile long readWaitSince = System.nanoTime();

    Connection(ProtocolServer server, SocketChannel channel, HandlerRegistry handlers, BrokerListener listener)
            throws IOException {
        this.server = server;
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

    long writeBlockedSince() {
        return writeBlockedSince;
    }

    long readWaitSince() {
        return readWaitSince;
    }

    @Override
    public void run() {
        safeListener(true);
        try {
            serve();
        } catch (FrameException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> session + ": closing on framing error: " + e.getMessage());
        } catch (EOFException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> session + ": closed mid-frame: " + e.getMessage());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> session + ": I/O error: " + e);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, session + ": connection failed", e);
        } finally {
            ProtocolServer.closeQuietly(socket);
            server.connectionClosed(this);
            safeListener(false);
        }
    }

    private void serve() throws IOException {
        FrameInput in = new FrameInput(socket.getInputStream());
        byte[] headerScratch = new byte[FrameCodec.HEADER_SIZE];
        BufferedOutputStream out = new BufferedOutputStream(socket.getOutputStream(), IO_BUFFER);
        byte[] requestBuffer = new byte[4096];
        PayloadReader reader = new PayloadReader(requestBuffer, 0, 0);
        PayloadWriter writer = new PayloadWriter(4096);
        try {
            while (true) {
                readWaitSince = System.nanoTime();
                if (!in.hasBufferedBytes()) {
                    // a client that sends one request per round trip answers within microseconds: catch its next
                    // request without sleeping (ReadSpin says why that matters)
                    readSpin.awaitInput(in);
                }
                FrameHeader header = FrameCodec.readHeader(in, headerScratch);
                if (header == null) {
                    break;
                }
                int length = header.length();
                if (length > requestBuffer.length) {
                    requestBuffer = new byte[Math.max(length, Math.min(FrameCodec.MAX_PAYLOAD, requestBuffer.length * 2))];
                }
                FrameCodec.readFully(in, requestBuffer, 0, length);
                long now = System.nanoTime();
                readWaitSince = 0;
                session.touch(now);
                int responseOpcode = dispatch(header, requestBuffer, length, reader, writer);
                writeBlockedSince = System.nanoTime();
                if (tail.isEmpty()) {
                    writer.writeFrame(out, responseOpcode, FrameCodec.FLAG_BINARY);
                    if (!in.hasBufferedBytes() || server.draining()) {
                        out.flush();
                    }
                } else {
                    writeWithTail(out, responseOpcode, writer);
                }
                writeBlockedSince = 0;
                writer.reset();
                if (requestBuffer.length > RETAINED_REQUEST_BUFFER) {
                    requestBuffer = new byte[4096];
                }
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
        }
    }

    /**
     * Head and tail of a response that ends with stored records: the head goes through the stream buffer (flushed,
     * so that order holds), the slices go from their files into the socket channel. Once the head is out the frame
     * is committed: a slice that cannot be sent (its segment deleted meanwhile) leaves no way to finish the frame
     * correctly, so the connection is closed and the client retries on a new one.
     */
    private void writeWithTail(BufferedOutputStream out, int responseOpcode, PayloadWriter writer)
            throws IOException {
        long total = writer.size() + tail.bytes();
        if (total > FrameCodec.MAX_PAYLOAD) {
            // a handler bug: never let an oversized frame out, answer with an error the client can report
            tail.clear();
            error(writer, "internal error: response of " + total + " bytes exceeds " + FrameCodec.MAX_PAYLOAD);
            writer.writeFrame(out, Opcodes.ERROR, FrameCodec.FLAG_BINARY);
            out.flush();
            return;
        }
        byte[] head = writer.toFrame(responseOpcode, FrameCodec.FLAG_BINARY);
        FrameCodec.encodeHeader(head, 0, responseOpcode, FrameCodec.FLAG_BINARY, (int) total);
        out.write(head);
        out.flush();
        try {
            tail.transferTo(channel);
        } finally {
            tail.clear();
        }
    }

    /**
     * Input buffering that can tell whether another request is already in memory without asking the kernel
     * ({@code available()} would cost a syscall per request): the flush-per-batch decision.
     */
    private static final class FrameInput extends BufferedInputStream {
        FrameInput(java.io.InputStream in) {
            super(in, IO_BUFFER);
        }

        boolean hasBufferedBytes() {
            return count > pos;
        }
    }

    /** Runs the handler; returns the response opcode with the response (or ERROR) payload in {@code writer}. */
    private int dispatch(FrameHeader header, byte[] buffer, int length, PayloadReader reader, PayloadWriter writer) {
        int opcode = header.opcode();
        RequestHandler handler = handlers.handler(opcode);
        if (handler == null) {
            return error(writer, "unknown opcode: " + opcode);
        }
        try {
            if (header.gzipped()) {
                byte[] plain = FrameCodec.gunzip(buffer, 0, length);
                reader.reset(plain, 0, plain.length);
            } else {
                reader.reset(buffer, 0, length);
            }
            if (handler instanceof FileRegionHandler regions) {
                regions.handle(session, reader, writer, tail);
            } else {
                handler.handle(session, reader, writer);
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
