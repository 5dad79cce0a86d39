package flymq.broker.server;

import flymq.broker.BrokerListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import flymq.protocol.ReadSpin;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * <p>Shutdown ({@link #close}) stops accepting, shuts down the input side of every connection so no new request is
 * read, lets each connection finish the request it is serving and flush its responses, then closes the sockets;
 * connections still busy after the grace period are closed forcibly.
 */
public final class ProtocolServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProtocolServer.class.getName());

    private final ServerSocketChannel serverSocket;
    private final HandlerRegistry handlers;
    private final BrokerListener listener;
    private final Consumer<Session> onSessionClosed;
    private final long idleTimeoutNanos;
    private final long writeTimeoutNanos;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong totalConnections = new AtomicLong();
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
    private final Thread acceptor;
    private volatile boolean draining;

    private ProtocolServer(ServerSocketChannel serverSocket, HandlerRegistry handlers, BrokerListener listener,
                           Consumer<Session> onSessionClosed, Duration idleTimeout, Duration writeTimeout,
                           ScheduledExecutorService housekeeping, int platformConnections, Duration readSpin) {
        this.platformSlots = new Semaphore(platformConnections);
        this.readSpinNanos = readSpin.toNanos();
        this.serverSocket = serverSocket;
        this.handlers = handlers;
        this.listener = listener;
        this.onSessionClosed = onSessionClosed;
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.writeTimeoutNanos = writeTimeout.toNanos();
        this.housekeeping = housekeeping;
        this.acceptor = Thread.ofPlatform().name("flymq-acceptor").daemon(true).unstarted(this::acceptLoop);
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
        if (platformConnections < 0) {
            throw new IllegalArgumentException("platformConnections must be >= 0, got " + platformConnections);
        }
        if (readSpin.isNegative()) {
            throw new IllegalArgumentException("readSpin must be >= 0, got " + readSpin);
        }
        // a channel rather than a java.net.ServerSocket: connections need SocketChannels to send file regions
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        InetSocketAddress addr = host.isEmpty() ? new InetSocketAddress(port)
                : new InetSocketAddress(InetAddress.getByName(host), port);
        try {
            ss.bind(addr, 4096);
        } catch (IOException e) {
            ss.close();
            throw new IOException("cannot listen on " + (host.isEmpty() ? "*" : host) + ":" + port + ": "
                    + e.getMessage(), e);
        }
        ProtocolServer server = new ProtocolServer(ss, handlers, listener, onSessionClosed, idleTimeout,
                writeTimeout, housekeeping, platformConnections, readSpin);
        // often enough that a short idle or write timeout is enforced close to its value, at most once a second
        long periodMs = Math.clamp(Math.min(idleTimeout.toMillis(), writeTimeout.toMillis()) / 4, 20, 1000);
        housekeeping.scheduleWithFixedDelay(server::closeStalledConnections, periodMs, periodMs,
                TimeUnit.MILLISECONDS);
        server.acceptor.start();
        return server;
    }

    public int port() {
        return serverSocket.socket().getLocalPort();
    }

    public int activeConnections() {
        return connections.size();
    }

    public long totalConnections() {
        return totalConnections.get();
    }

    long readSpinNanos() {
        return readSpinNanos;
    }

    boolean draining() {
        return draining;
    }

    private void acceptLoop() {
        while (!draining) {
            SocketChannel socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!draining) {
                    LOG.log(System.Logger.Level.ERROR, "accept failed on port " + port() + ": " + e);
                }
                if (!serverSocket.isOpen()) {
                    return;
                }
                continue;
            }
            Connection c;
            try {
                c = new Connection(this, socket, handlers, listener);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "dropping connection from " + socket.socket()
                        .getRemoteSocketAddress() + ": " + e);
                closeQuietly(socket);
                continue;
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
                    } catch (RuntimeException e) {
                        platformSlots.release();
                        throw e;
                    }
                } else {
                    virtualThreads.execute(c);
                }
            } catch (RuntimeException e) {
                connections.remove(c);
                c.closeNow();
            }
        }
    }

    void connectionClosed(Connection c) {
        connections.remove(c);
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
        closeQuietly(serverSocket);
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
            acceptor.join(grace.toMillis());
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
