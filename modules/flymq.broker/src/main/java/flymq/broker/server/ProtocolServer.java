package flymq.broker.server;

import flymq.broker.BrokerListener;
import flymq.broker.tls.ServerTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import flymq.protocol.ReadSpin;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The TCP side of the broker: one acceptor, one thread per connection with blocking socket I/O (see docs/broker.md,
 * "Threads", for why), and a housekeeping thread that closes connections whose writes have been
 * blocked longer than the write timeout (a client that stopped reading).
 *
 * <p>The first {@code platformConnections} concurrent connections get a platform thread each, later ones a virtual
 * thread. A virtual thread blocked in a socket read is woken through the JDK's poller and then scheduled onto a
 * carrier: two thread wake-ups per request instead of one, which on loopback costs a client that sends one request
 * per round trip much of its rate (docs/benchmarks.md, "Virtual threads and timed reads"). Platform threads cost
 * more memory and kernel scheduling per connection, so they are capped; beyond the cap connections are still served,
 * just with the virtual thread's extra latency.
 *
 * <p>A server has one or more listeners ({@link Endpoint}): plaintext, TLS, or both side by side (so that clients
 * can move to TLS while plaintext is still served). Each has its own acceptor thread; everything else is shared,
 * so connection limits, request memory and shutdown cover all listeners together.
 *
 * <p>Shutdown ({@link #close}) stops accepting, shuts down the input side of every connection so no new request is
 * read, lets each connection finish the request it is serving and flush its responses, then closes the sockets;
 * connections still busy after the grace period are closed forcibly.
 */
public final class ProtocolServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProtocolServer.class.getName());

    /** Where a listener binds, and the TLS it layers over its connections (null: plaintext). */
    public record Endpoint(String host, int port, ServerTls tls) {
        public static Endpoint plaintext(String host, int port) {
            return new Endpoint(host, port, null);
        }
    }

    /** One bound listener and its acceptor. */
    private final class Listener {
        final ServerSocketChannel socket;
        final ServerTls tls;
        final Thread acceptor;

        Listener(ServerSocketChannel socket, ServerTls tls) {
            this.socket = socket;
            this.tls = tls;
            this.acceptor = Thread.ofPlatform().name(tls == null ? "flymq-acceptor" : "flymq-acceptor-tls")
                    .daemon(true).unstarted(() -> acceptLoop(this));
        }

        int port() {
            return socket.socket().getLocalPort();
        }
    }

    private final List<Listener> listeners = new ArrayList<>();
    private final HandlerRegistry handlers;
    private final BrokerListener listener;
    private final Consumer<Session> onSessionClosed;
    private final long idleTimeoutNanos;
    private final long writeTimeoutNanos;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong totalConnections = new AtomicLong();
    private final AtomicLong refusedConnections = new AtomicLong();
    private final ConnectionAdmission admission;
    private final RequestMemory memory;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long MIN_ACCEPT_PAUSE_MS = 10;
    private static final long MAX_ACCEPT_PAUSE_MS = 1000;
    private final ThrottledLog refusals = new ThrottledLog(LOG, System.Logger.Level.WARNING, LOG_INTERVAL_NANOS);
    private final ThrottledLog acceptFailures = new ThrottledLog(LOG, System.Logger.Level.ERROR, LOG_INTERVAL_NANOS);
    private final ThrottledLog connectionFailures =
            new ThrottledLog(LOG, System.Logger.Level.ERROR, LOG_INTERVAL_NANOS);
    private final ThrottledLog handshakeFailures = new ThrottledLog(LOG, System.Logger.Level.INFO, LOG_INTERVAL_NANOS);
    private final AtomicLong failedHandshakes = new AtomicLong();
    private final long handshakeTimeoutNanos;
    /** Connections served on platform threads at once, unless {@link #start} is given another number. */
    public static final int DEFAULT_PLATFORM_CONNECTIONS = 64;
    /** How long a connection thread spins for its next request before it blocks (see {@link ReadSpin}). */
    public static final Duration DEFAULT_READ_SPIN = ReadSpin.DEFAULT_BUDGET;

    private final ExecutorService platformThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().name("flymq-conn-p", 0).daemon(true).factory());
    private final ExecutorService virtualThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("flymq-conn-", 0).factory());
    private final Semaphore platformSlots;
    private final long readSpinNanos;
    private final ScheduledExecutorService housekeeping;
    private volatile boolean draining;

    private ProtocolServer(List<Endpoint> endpoints, HandlerRegistry handlers, BrokerListener listener,
                           Consumer<Session> onSessionClosed, Duration idleTimeout, Duration writeTimeout,
                           ScheduledExecutorService housekeeping, int platformConnections, Duration readSpin,
                           ConnectionLimits limits) {
        this.admission = new ConnectionAdmission(limits);
        this.memory = new RequestMemory(limits.maxInflightRequestBytes());
        this.platformSlots = new Semaphore(platformConnections);
        this.readSpinNanos = readSpin.toNanos();
        this.handshakeTimeoutNanos = endpoints.stream().filter(e -> e.tls() != null)
                .mapToLong(e -> e.tls().handshakeTimeout().toNanos()).min().orElse(Long.MAX_VALUE);
        this.handlers = handlers;
        this.listener = listener;
        this.onSessionClosed = onSessionClosed;
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.writeTimeoutNanos = writeTimeout.toNanos();
        this.housekeeping = housekeeping;
    }

    /**
     * Binds and starts accepting.
     *
     * @param host            interface to bind, {@code ""} for all
     * @param port            port, 0 for an ephemeral one
     * @param onSessionClosed called once per closed connection (consumer-group cleanup)
     * @param housekeeping    scheduler shared with the node for periodic checks
     */
    public static ProtocolServer start(String host, int port, HandlerRegistry handlers, BrokerListener listener,
                                       Consumer<Session> onSessionClosed, Duration idleTimeout,
                                       Duration writeTimeout, ScheduledExecutorService housekeeping)
            throws IOException {
        return start(host, port, handlers, listener, onSessionClosed, idleTimeout, writeTimeout, housekeeping,
                DEFAULT_PLATFORM_CONNECTIONS, DEFAULT_READ_SPIN);
    }

    /**
     * Like {@link #start(String, int, HandlerRegistry, BrokerListener, Consumer, Duration, Duration,
     * ScheduledExecutorService)} with an explicit number of connections served on platform threads at once (0 =
     * every connection on a virtual thread) and an explicit read spin budget ({@link Duration#ZERO} = never spin).
     */
    public static ProtocolServer start(String host, int port, HandlerRegistry handlers, BrokerListener listener,
                                       Consumer<Session> onSessionClosed, Duration idleTimeout,
                                       Duration writeTimeout, ScheduledExecutorService housekeeping,
                                       int platformConnections, Duration readSpin) throws IOException {
        return start(host, port, handlers, listener, onSessionClosed, idleTimeout, writeTimeout, housekeeping,
                platformConnections, readSpin, ConnectionLimits.DEFAULTS);
    }

    /** Like the overload above, with the connection limits of {@code network.*} instead of the defaults. */
    public static ProtocolServer start(String host, int port, HandlerRegistry handlers, BrokerListener listener,
                                       Consumer<Session> onSessionClosed, Duration idleTimeout,
                                       Duration writeTimeout, ScheduledExecutorService housekeeping,
                                       int platformConnections, Duration readSpin, ConnectionLimits limits)
            throws IOException {
        return start(List.of(Endpoint.plaintext(host, port)), handlers, listener, onSessionClosed, idleTimeout,
                writeTimeout, housekeeping, platformConnections, readSpin, limits);
    }

    /**
     * Like the overload above, listening on every endpoint (in order; {@link #port()} is the first one's). Either
     * all bind or none stays bound.
     */
    public static ProtocolServer start(List<Endpoint> endpoints, HandlerRegistry handlers, BrokerListener listener,
                                       Consumer<Session> onSessionClosed, Duration idleTimeout,
                                       Duration writeTimeout, ScheduledExecutorService housekeeping,
                                       int platformConnections, Duration readSpin, ConnectionLimits limits)
            throws IOException {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one endpoint");
        }
        if (platformConnections < 0) {
            throw new IllegalArgumentException("platformConnections must be >= 0, got " + platformConnections);
        }
        if (readSpin.isNegative()) {
            throw new IllegalArgumentException("readSpin must be >= 0, got " + readSpin);
        }
        ProtocolServer server = new ProtocolServer(endpoints, handlers, listener, onSessionClosed, idleTimeout,
                writeTimeout, housekeeping, platformConnections, readSpin, limits);
        try {
            for (Endpoint e : endpoints) {
                server.listeners.add(server.new Listener(bind(e.host(), e.port()), e.tls()));
            }
        } catch (IOException e) {
            server.listeners.forEach(l -> closeQuietly(l.socket));
            throw e;
        }
        // often enough that a short idle, write or handshake timeout is enforced close to its value, at most once a
        // second
        long periodMs = Math.clamp(Math.min(Math.min(idleTimeout.toMillis(), writeTimeout.toMillis()),
                TimeUnit.NANOSECONDS.toMillis(server.handshakeTimeoutNanos)) / 4, 20, 1000);
        housekeeping.scheduleWithFixedDelay(server::closeStalledConnections, periodMs, periodMs,
                TimeUnit.MILLISECONDS);
        server.listeners.forEach(l -> l.acceptor.start());
        return server;
    }

    private static ServerSocketChannel bind(String host, int port) throws IOException {
        // a channel rather than a java.net.ServerSocket: connections need SocketChannels to send file regions
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            InetSocketAddress addr = host.isEmpty() ? new InetSocketAddress(port)
                    : new InetSocketAddress(InetAddress.getByName(host), port);
            ss.bind(addr, 4096);
        } catch (IOException e) {
            ss.close();
            throw new IOException("cannot listen on " + (host.isEmpty() ? "*" : host) + ":" + port + ": "
                    + e.getMessage(), e);
        }
        return ss;
    }

    /** The first listener's port. */
    public int port() {
        return listeners.getFirst().port();
    }

    /** The port of the first TLS listener, or -1 when there is none. */
    public int tlsPort() {
        return listeners.stream().filter(l -> l.tls != null).mapToInt(Listener::port).findFirst().orElse(-1);
    }

    /** TLS handshakes that failed (refused certificates, protocol mismatches, plaintext on a TLS port) since start. */
    public long failedHandshakes() {
        return failedHandshakes.get();
    }

    public int activeConnections() {
        return connections.size();
    }

    public long totalConnections() {
        return totalConnections.get();
    }

    RequestMemory memory() {
        return memory;
    }

    /** Bytes of request buffers lent to connections now (bounded by {@code network.max_inflight_request_bytes}). */
    public long requestBytesInUse() {
        return memory.inUse();
    }

    /** Times a connection paused reading because the in-flight request budget was spent, since start. */
    public long requestMemoryWaits() {
        return memory.waits();
    }

    /** Connections closed at once because a connection limit was reached, since start. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    /** A TLS handshake failed: the client learns why from the alert; the log says it at most once per interval. */
    void handshakeFailed(Session session, IOException failure) {
        failedHandshakes.incrementAndGet();
        handshakeFailures.log(session + ": TLS handshake failed: " + failure.getMessage(), null);
    }

    /** A connection thread ended with an unexpected exception or error; logged at most once per interval. */
    void connectionFailed(Session session, Throwable failure) {
        connectionFailures.log(session + ": connection failed and was closed; the broker keeps serving", failure);
    }

    long readSpinNanos() {
        return readSpinNanos;
    }

    boolean draining() {
        return draining;
    }

    /**
     * Accepts until shutdown. Nothing that goes wrong with one connection, or with accepting itself, ends this
     * thread: a failed accept (out of file descriptors, out of memory) is logged at most once per interval and
     * retried after a pause that doubles up to a second, so the broker keeps its port and recovers when the cause
     * goes away instead of living on without accepting.
     */
    private void acceptLoop(Listener on) {
        long pauseMillis = 0;
        while (!draining) {
            try {
                acceptOne(on);
                pauseMillis = 0;
            } catch (Throwable t) {
                if (draining || !on.socket.isOpen()) {
                    return;
                }
                pauseMillis = Math.clamp(pauseMillis * 2, MIN_ACCEPT_PAUSE_MS, MAX_ACCEPT_PAUSE_MS);
                try {
                    // an I/O failure (out of file descriptors) says all in its message; an Error needs its trace
                    acceptFailures.log("accepting a connection on port " + on.port() + " failed: " + t
                            + "; retrying, with pauses of up to " + MAX_ACCEPT_PAUSE_MS + " ms",
                            t instanceof IOException ? null : t);
                } catch (Throwable ignored) {
                    // out of memory even for the log line: the pause below is what helps
                }
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    if (draining) {
                        return;
                    }
                }
            }
        }
    }

    private void acceptOne(Listener on) throws IOException {
        SocketChannel socket = on.socket.accept();
        InetAddress remote;
        try {
            remote = ((InetSocketAddress) socket.getRemoteAddress()).getAddress();
        } catch (IOException | RuntimeException e) {
            // the peer left between the handshake and here
            closeQuietly(socket);
            return;
        }
        ConnectionAdmission.Refusal refusal = admission.admit(remote);
        if (refusal != null) {
            refuse(on, socket, remote, refusal);
            return;
        }
        Connection c;
        try {
            c = new Connection(this, socket, remote, handlers, listener, on.tls);
        } catch (Throwable e) {
            admission.release(remote);
            closeQuietly(socket);
            if (e instanceof IOException io) {
                LOG.log(System.Logger.Level.DEBUG, () -> "dropping connection from " + remote + ": " + io);
                return;
            }
            throw e;
        }
        connections.add(c);
        totalConnections.incrementAndGet();
        if (draining) {
            c.closeNow();
        }
        try {
            if (platformSlots.tryAcquire()) {
                try {
                    platformThreads.execute(() -> {
                        try {
                            c.run();
                        } finally {
                            platformSlots.release();
                        }
                    });
                } catch (Throwable e) {
                    platformSlots.release();
                    throw e;
                }
            } else {
                virtualThreads.execute(c);
            }
        } catch (Throwable e) {
            // no thread to serve it (out of memory or native threads): this connection goes, the acceptor stays
            connections.remove(c);
            admission.release(remote);
            c.closeNow();
            if (!(e instanceof RejectedExecutionException)) {
                throw e;
            }
        }
    }

    /** Closes a connection beyond a limit before reading from it; counted, and logged at most once per interval. */
    private void refuse(Listener on, SocketChannel socket, InetAddress remote, ConnectionAdmission.Refusal refusal) {
        closeQuietly(socket);
        refusedConnections.incrementAndGet();
        try {
            listener.connectionRefused(refusal.label);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "broker listener failed", e);
        }
        refusals.log(refusal == ConnectionAdmission.Refusal.MAX_CONNECTIONS
                ? "refusing connections on port " + on.port() + ": network.max_connections ("
                        + admission.maxConnections() + ") are open; refused one from " + remote.getHostAddress()
                : "refusing connections on port " + on.port() + " from " + remote.getHostAddress()
                        + ": network.max_connections_per_ip (" + admission.maxPerAddress() + ") are open from it");
    }

    void connectionClosed(Connection c) {
        if (connections.remove(c)) {
            admission.release(c.remoteAddress());
        }
        try {
            onSessionClosed.accept(c.session());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cleanup of " + c.session() + " failed", e);
        }
    }

    /** Closes connections that stopped reading their responses or sent no (complete) request for too long. */
    private void closeStalledConnections() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            long handshaking = c.handshakeSince();
            if (handshaking != 0 && now - handshaking > handshakeTimeoutNanos) {
                handshakeFailures.log(c.session() + ": TLS handshake not complete after "
                        + TimeUnit.NANOSECONDS.toMillis(now - handshaking) + " ms; closing it", null);
                failedHandshakes.incrementAndGet();
                c.closeNow();
                continue;
            }
            long since = c.writeBlockedSince();
            if (since != 0 && now - since > writeTimeoutNanos) {
                LOG.log(System.Logger.Level.WARNING, c.session() + " did not read its responses for "
                        + TimeUnit.NANOSECONDS.toMillis(now - since) + " ms; closing it");
                c.closeNow();
                continue;
            }
            long idleSince = c.readWaitSince();
            if (idleSince != 0 && now - idleSince > idleTimeoutNanos) {
                LOG.log(System.Logger.Level.DEBUG, () -> c.session() + ": idle for "
                        + TimeUnit.NANOSECONDS.toMillis(now - idleSince) + " ms; closing it");
                c.closeNow();
            }
        }
    }

    /** Graceful shutdown; waits up to {@code grace} for in-flight requests, then closes what is left. */
    public void close(Duration grace) {
        draining = true;
        listeners.forEach(l -> closeQuietly(l.socket));
        for (Connection c : connections) {
            c.stopReading();
        }
        platformThreads.shutdown();
        virtualThreads.shutdown();
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            if (!awaitConnectionThreads(deadline)) {
                LOG.log(System.Logger.Level.WARNING, connections.size()
                        + " connection(s) still busy after the shutdown grace period; closing them");
                connections.forEach(Connection::closeNow);
                awaitConnectionThreads(System.nanoTime() + grace.toNanos());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connections.forEach(Connection::closeNow);
        }
        try {
            for (Listener l : listeners) {
                l.acceptor.join(grace.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitConnectionThreads(long deadlineNanos) throws InterruptedException {
        return platformThreads.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)
                & virtualThreads.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing after a failure or during shutdown: nothing more to report
        }
    }

    static boolean isReset(IOException e) {
        return e instanceof SocketException;
    }
}
