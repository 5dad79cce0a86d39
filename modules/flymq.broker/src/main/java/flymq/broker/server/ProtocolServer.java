package flymq.broker.server;

import flymq.broker.BrokerListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The TCP side of the broker: one acceptor, one virtual thread per connection with blocking socket I/O (see the
 * Broker section of docs/architecture.md for why), and a housekeeping thread that closes connections whose writes
 * have been blocked longer than the write timeout (a client that stopped reading).
 *
 * <p>Shutdown ({@link #close}) stops accepting, shuts down the input side of every connection so no new request is
 * read, lets each connection finish the request it is serving and flush its responses, then closes the sockets;
 * connections still busy after the grace period are closed forcibly.
 */
public final class ProtocolServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProtocolServer.class.getName());

    private final ServerSocket serverSocket;
    private final HandlerRegistry handlers;
    private final BrokerListener listener;
    private final Consumer<Session> onSessionClosed;
    private final int idleTimeoutMs;
    private final long writeTimeoutNanos;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong totalConnections = new AtomicLong();
    private final ExecutorService connectionThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("flymq-conn-", 0).factory());
    private final ScheduledExecutorService housekeeping;
    private final Thread acceptor;
    private volatile boolean draining;

    private ProtocolServer(ServerSocket serverSocket, HandlerRegistry handlers, BrokerListener listener,
                           Consumer<Session> onSessionClosed, Duration idleTimeout, Duration writeTimeout,
                           ScheduledExecutorService housekeeping) {
        this.serverSocket = serverSocket;
        this.handlers = handlers;
        this.listener = listener;
        this.onSessionClosed = onSessionClosed;
        this.idleTimeoutMs = (int) Math.min(Integer.MAX_VALUE, idleTimeout.toMillis());
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
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
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
                writeTimeout, housekeeping);
        housekeeping.scheduleWithFixedDelay(server::closeStalledWriters, 1, 1, TimeUnit.SECONDS);
        server.acceptor.start();
        return server;
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    public int activeConnections() {
        return connections.size();
    }

    public long totalConnections() {
        return totalConnections.get();
    }

    boolean draining() {
        return draining;
    }

    private void acceptLoop() {
        while (!draining) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!draining) {
                    LOG.log(System.Logger.Level.ERROR, "accept failed on port " + port() + ": " + e);
                }
                if (serverSocket.isClosed()) {
                    return;
                }
                continue;
            }
            Connection c;
            try {
                c = new Connection(this, socket, handlers, listener, idleTimeoutMs);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "dropping connection from " + socket.getRemoteSocketAddress()
                        + ": " + e);
                closeQuietly(socket);
                continue;
            }
            connections.add(c);
            totalConnections.incrementAndGet();
            if (draining) {
                c.closeNow();
            }
            try {
                connectionThreads.execute(c);
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

    private void closeStalledWriters() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            long since = c.writeBlockedSince();
            if (since != 0 && now - since > writeTimeoutNanos) {
                LOG.log(System.Logger.Level.WARNING, c.session() + " did not read its responses for "
                        + TimeUnit.NANOSECONDS.toMillis(now - since) + " ms; closing it");
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
        connectionThreads.shutdown();
        try {
            if (!connectionThreads.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, connections.size()
                        + " connection(s) still busy after the shutdown grace period; closing them");
                connections.forEach(Connection::closeNow);
                connectionThreads.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
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
