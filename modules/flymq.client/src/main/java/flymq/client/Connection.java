package flymq.client;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import flymq.protocol.FrameCodec;
import flymq.protocol.FrameException;
import flymq.protocol.FrameHeader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.ReadSpin;
import javax.net.ssl.SSLException;

/**
 * One TCP connection to one broker. The protocol has no correlation id: responses come back in request order, so
 * order is the only correlation. Two modes:
 * <ul>
 *   <li>synchronous (the start): a caller writes its request and reads its own answer under one lock, like the
 *   official SDKs; no thread hand-off, which keeps the one-request-per-round-trip path short;</li>
 *   <li>pipelined (from the first {@link #send}): requests are written under the lock after their future is queued;
 *   a reader thread reads answers and completes the queued futures in FIFO order. Synchronous calls then go through
 *   the queue as well. {@link CallWatchdog} closes the connection when the reader has waited for the oldest queued
 *   request's answer longer than the request timeout, and the reader fails the requests, so that no future waits
 *   longer, whether or not its caller waits with a timeout.</li>
 * </ul>
 * Any I/O error, malformed frame or timeout closes the connection and fails every outstanding request, because the
 * order that correlates answers to requests is lost.
 *
 * <p>A synchronous call reads with no socket timeout: a timed read makes the JDK switch the socket to non-blocking
 * and poll before each read (three system calls per answer instead of one). Instead the call publishes its deadline
 * and {@link CallWatchdog} closes the socket of a call that overstays it, which ends the blocked read. Before it
 * blocks, a synchronous call spins briefly for its answer ({@link ReadSpin}): a broker on the same machine answers
 * within microseconds, sooner than a sleeping thread can be woken.
 *
 * <p>Over TLS ({@link ClientTls}) the same, through JSSE's engine over the TCP socket ({@link EngineTls}: encrypted
 * input read ahead, each buffered write encrypted and sent with one system call); the handshake completes within
 * the connect timeout, inside {@link #open}, so a connection is either usable or not returned.
 */
final class Connection implements AutoCloseable {
    /** @param sentNanos {@link System#nanoTime} when the request was queued */
    private record Pending(String request, CompletableFuture<Frame> future, long sentNanos) {
    }

    private final String address;
    /** The TCP socket: closing it ends a blocked read at once, also under TLS. */
    private final Socket socket;
    /** TLS over {@link #socket}, or null. */
    private final EngineTls tls;
    private final DataInputStream in;
    /** What the read spin polls: {@link #in}, or under TLS a view that also sees encrypted bytes waiting. */
    private final InputStream spinIn;
    private final OutputStream out;
    private final long requestTimeoutMillis;
    private final Object ioLock = new Object();
    /** Used by synchronous calls only, under {@link #ioLock}. */
    private final ReadSpin readSpin;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private volatile boolean pipelined;
    private volatile boolean closed;
    private volatile String closeReason;
    /** The request whose timeout closed the connection, or null: it fails with a timeout, whoever fails the rest. */
    private volatile Pending timedOut;
    /** {@link System#nanoTime} by which the synchronous call in progress must be answered; 0 = none. */
    private volatile long callDeadline;
    private volatile boolean callTimedOut;
    /** {@link System#nanoTime} when the pipelined reader last began waiting for an answer. */
    private volatile long readerWaitedAt;
    /**
     * Whether the pipelined reader is handing an answer out rather than waiting for one (completing a future runs
     * the caller's dependent actions and callbacks on it).
     */
    private volatile boolean readerHandingOut = true;
    private static final VarHandle CALL_DEADLINE;

    static {
        try {
            CALL_DEADLINE = MethodHandles.lookup().findVarHandle(Connection.class, "callDeadline", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Connection(String address, Socket socket, EngineTls tls, long requestTimeoutMillis, long readSpinNanos)
            throws IOException {
        this.address = address;
        this.readSpin = new ReadSpin(readSpinNanos);
        this.socket = socket;
        this.tls = tls;
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.in = new DataInputStream(new BufferedInputStream(tls != null ? tls.input() : socket.getInputStream(),
                64 * 1024));
        this.out = new BufferedOutputStream(tls != null ? tls.output() : socket.getOutputStream(), 64 * 1024);
        this.spinIn = tls != null ? spinView(in, tls) : in;
    }

    /**
     * What the read spin polls under TLS: input is there when decrypted bytes are buffered, or encrypted ones wait
     * (read ahead, or in the kernel). Only {@link InputStream#available()} is served.
     */
    private static InputStream spinView(InputStream decrypted, EngineTls tls) {
        return new InputStream() {
            @Override
            public int available() throws IOException {
                int n = decrypted.available();
                return n > 0 ? n : tls.available();
            }

            @Override
            public int read() {
                throw new UnsupportedOperationException("read through the connection's stream");
            }
        };
    }

    /** @param tls null for plain TCP */
    static Connection open(String address, InetSocketAddress target, int connectTimeoutMillis,
                           long requestTimeoutMillis, long readSpinNanos, ClientTls tls) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.setSendBufferSize(256 * 1024);
            socket.setReceiveBufferSize(256 * 1024);
            socket.connect(target, connectTimeoutMillis);
            EngineTls engine = null;
            if (tls != null) {
                try {
                    engine = EngineTls.connect(socket, target.getHostString(), tls.context(), tls.verifyHostname(),
                            Duration.ofMillis(connectTimeoutMillis));
                } catch (SSLException e) {
                    throw new SSLException("TLS handshake failed: " + describe(e)
                            + (describe(e).contains("plaintext") || describe(e).contains("nrecognized")
                            ? " (does this port serve TLS?)" : ""), e);
                }
            }
            Connection c = new Connection(address, socket, engine, requestTimeoutMillis, readSpinNanos);
            CallWatchdog.watch(c);
            return c;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    String address() {
        return address;
    }

    boolean isOpen() {
        return !closed;
    }

    /** Sends one request and waits for its answer. */
    Frame call(String request, int opcode, PayloadWriter payload) {
        if (!pipelined) {
            synchronized (ioLock) {
                if (!pipelined) {
                    ensureOpen(request);
                    callDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);
                    try {
                        payload.writeFrame(out, opcode, FrameCodec.FLAG_BINARY);
                        out.flush();
                        readSpin.awaitInput(spinIn);
                        return readFrame();
                    } catch (IOException e) {
                        if (callTimedOut) {
                            String why = "no answer to " + request + " from " + address + " within "
                                    + requestTimeoutMillis + " ms";
                            fail(why);
                            throw new RequestTimeoutException(why);
                        }
                        String why = "connection to " + address + " lost during " + request + ": " + describe(e);
                        fail(why);
                        throw new ConnectionException(why, e);
                    } catch (ProtocolException e) {
                        fail(e.getMessage());
                        throw e;
                    } finally {
                        callDeadline = 0;
                    }
                }
            }
        }
        return await(request, send(request, opcode, payload, true));
    }

    /**
     * Queues one request without waiting: its answer completes the returned future, in request order. With
     * {@code flush == false} the bytes may stay in the buffer until the next flushing send (lets a caller write a
     * burst with one system call).
     */
    CompletableFuture<Frame> send(String request, int opcode, PayloadWriter payload, boolean flush) {
        CompletableFuture<Frame> future = new CompletableFuture<>();
        synchronized (ioLock) {
            if (closed) {
                future.completeExceptionally(new ConnectionException(
                        "connection to " + address + " is closed (" + closeReason + "); " + request + " not sent"));
                return future;
            }
            if (!pipelined) {
                startReader();
            }
            pending.add(new Pending(request, future, System.nanoTime()));
            try {
                payload.writeFrame(out, opcode, FrameCodec.FLAG_BINARY);
                if (flush) {
                    out.flush();
                }
            } catch (IOException e) {
                fail("connection to " + address + " lost while sending " + request + ": " + describe(e));
            }
        }
        return future;
    }

    /** Pushes out requests queued with {@code flush == false}. */
    void flush() {
        synchronized (ioLock) {
            if (closed) {
                return;
            }
            try {
                out.flush();
            } catch (IOException e) {
                fail("connection to " + address + " lost while flushing: " + describe(e));
            }
        }
    }

    /** Number of requests sent and not yet answered (pipelined mode). */
    int inFlight() {
        return pending.size();
    }

    /**
     * Waits for a pipelined request's answer. Its timeout is the watchdog's ({@link #closeIfOverdue}), which counts
     * only the time the broker had it at the head of the queue: a call queued behind slow requests is not cut off for
     * their time. This caller steps in only when the reader has not begun waiting for an answer for a whole request
     * timeout, i.e. is stuck in a caller's callback, where the watchdog cannot tell.
     */
    Frame await(String request, CompletableFuture<Frame> future) {
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);
        try {
            while (true) {
                try {
                    return future.get(requestTimeoutMillis, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (!closed && System.nanoTime() - readerWaitedAt <= timeoutNanos) {
                        continue; // the reader is handing out the answers before this one: they come in order
                    }
                    String why = "no answer to " + request + " from " + address + " within " + requestTimeoutMillis
                            + " ms";
                    fail(why);
                    throw new RequestTimeoutException(why);
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof FlyMqException f) {
                throw f;
            }
            throw new ConnectionException(request + " to " + address + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting for " + request + " from " + address, e);
        }
    }

    /**
     * The reader blocks for as long as the connection lives; a request left unanswered past its timeout is failed by
     * {@link CallWatchdog} ({@link #closeIfOverdue}), whether or not its caller waits.
     */
    private void startReader() {
        pipelined = true;
        Thread.ofPlatform().daemon().name("flymq-client-reader-" + address).start(this::readLoop);
    }

    private void readLoop() {
        try {
            while (!closed) {
                readerWaitedAt = System.nanoTime();
                readerHandingOut = false;
                Frame frame = readFrame();
                readerHandingOut = true;
                Pending p = pending.poll();
                if (closed) {
                    // a failing thread may have taken the requests before this answer's, so p need not be the
                    // request it answers: fail it like the rest
                    if (p != null) {
                        p.future().completeExceptionally(failure(p));
                    }
                    break;
                }
                if (p == null) {
                    fail("unsolicited frame (opcode 0x" + Integer.toHexString(frame.opcode()) + ") from " + address);
                    return;
                }
                p.future().complete(frame);
            }
        } catch (IOException e) {
            fail(closed ? closeReason : "connection to " + address + " lost: " + describe(e));
            return;
        } catch (ProtocolException e) {
            fail(e.getMessage());
            return;
        }
        // closed by another thread; the watchdog leaves the requests to this one
        fail(closeReason);
    }

    /** Only ever called by one thread at a time: the synchronous caller under the lock, or the reader thread. */
    private Frame readFrame() throws IOException {
        FrameHeader h;
        try {
            h = FrameCodec.readHeader(in);
        } catch (FrameException e) {
            throw new ProtocolException("bad response frame from " + address + ": " + e.getMessage());
        }
        if (h == null) {
            throw new EOFException("server closed the connection");
        }
        byte[] payload = new byte[h.length()];
        in.readFully(payload);
        return new Frame(h.opcode(), h.flags(), payload);
    }

    private void ensureOpen(String request) {
        if (closed) {
            throw new ConnectionException("connection to " + address + " is closed (" + closeReason + "); "
                    + request + " not sent");
        }
    }

    private void fail(String reason) {
        if (!closed) {
            closeReason = reason;
            closed = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // already failing; the reason recorded above is what callers need
            }
        }
        Pending p;
        while ((p = pending.poll()) != null) {
            p.future().completeExceptionally(failure(p));
        }
    }

    /**
     * Closes the connection for {@code overdue}'s timeout without failing its requests here: the watchdog's thread
     * serves every connection of the JVM, and completing a future runs its caller's dependent actions and callbacks.
     * The reader's blocked read fails, and the reader fails them ({@link #readLoop}), {@code overdue} with a timeout.
     */
    private void expire(Pending overdue, String reason) {
        if (closed) {
            return;
        }
        closeReason = reason;
        timedOut = overdue;
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // the reader sees the close either way
        }
    }

    /** Why the request {@code p} of a closed connection failed. */
    private ConnectionException failure(Pending p) {
        return p == timedOut ? new RequestTimeoutException(closeReason)
                : new ConnectionException(p.request() + " to " + address + " failed: " + closeReason);
    }

    /**
     * Called by the watchdog: closes the connection if its synchronous call is past its deadline, which makes the
     * blocked read fail; the caller then reports a timeout. In pipelined mode the oldest unanswered request is the
     * one to check (answers come in order): once the reader has waited for its answer longer than the request
     * timeout, the connection is closed ({@link #expire}) and the reader fails it with a timeout and the rest with
     * the connection. Without this, a request whose caller does not wait with a timeout (a {@code ...Async} future
     * joined, a producer's batch) would wait for as long as the connection stays up. Returns whether the connection
     * is still worth watching.
     */
    boolean closeIfOverdue(long nowNanos) {
        long deadline = callDeadline;
        // the call may be answered between the read of its deadline and here: only the deadline still set may be
        // taken, and the connection is then failed as a whole (not just its socket closed), so that a call answered
        // in that instant leaves a closed connection behind rather than an open one with a dead socket, whose next
        // call would be reported as a timeout it never had
        if (deadline != 0 && nowNanos - deadline > 0 && !closed && CALL_DEADLINE.compareAndSet(this, deadline, 0L)) {
            callTimedOut = true;
            fail("no answer from " + address + " within " + requestTimeoutMillis + " ms");
        }
        Pending oldest = pending.peek();
        boolean handingOut = readerHandingOut; // read first: a wait begun after it only moves waiting later
        long waiting = readerWaitedAt;
        if (oldest != null && !handingOut && !closed) {
            // the broker answers a connection's requests one after the other, and the reader may have been busy
            // with the answers before: a request's time runs from when it was sent and the reader was waiting for
            // it, so that neither a queue of slow requests nor slow callbacks make an answered request overdue
            long since = oldest.sentNanos() - waiting > 0 ? oldest.sentNanos() : waiting;
            if (nowNanos - since > TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis)) {
                expire(oldest, "no answer to " + oldest.request() + " from " + address + " within "
                        + requestTimeoutMillis + " ms");
            }
        }
        return !closed;
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public void close() {
        if (tls != null && !closed) {
            tls.closeOutbound();
        }
        fail("closed by the client");
    }
}
