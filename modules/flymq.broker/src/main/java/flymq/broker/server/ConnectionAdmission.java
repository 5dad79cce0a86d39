package flymq.broker.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open client connections, in total and per remote address, and refuses one that would go beyond
 * {@code network.max_connections} or {@code network.max_connections_per_ip}. The acceptor admits (one thread);
 * connection threads release as they close, so the counts are concurrent. A remote address is forgotten when its
 * last connection closes, so the table holds only addresses that are connected now.
 */
final class ConnectionAdmission {

    /** Why a connection was refused; {@link #label} is the metric label and names the configuration key. */
    enum Refusal {
        MAX_CONNECTIONS("max_connections"),
        MAX_CONNECTIONS_PER_IP("max_connections_per_ip");

        final String label;

        Refusal(String label) {
            this.label = label;
        }
    }

    private final int maxConnections;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    ConnectionAdmission(ConnectionLimits limits) {
        this.maxConnections = limits.maxConnections();
        this.maxPerAddress = limits.maxConnectionsPerIp();
    }

    int maxConnections() {
        return maxConnections;
    }

    int maxPerAddress() {
        return maxPerAddress;
    }

    /**
     * Counts a new connection from {@code address} if both limits allow it.
     *
     * @return null when admitted (release it with {@link #release} once closed), otherwise the limit reached
     */
    Refusal admit(InetAddress address) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return Refusal.MAX_CONNECTIONS;
        }
        boolean[] admitted = {false};
        perAddress.compute(address, (a, count) -> {
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            if (c.get() < maxPerAddress) {
                c.incrementAndGet();
                admitted[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        if (!admitted[0]) {
            open.decrementAndGet();
            return Refusal.MAX_CONNECTIONS_PER_IP;
        }
        return null;
    }

    /** An admitted connection from {@code address} closed. */
    void release(InetAddress address) {
        perAddress.computeIfPresent(address, (a, c) -> c.decrementAndGet() == 0 ? null : c);
        open.decrementAndGet();
    }

    int open() {
        return open.get();
    }

    int openFrom(InetAddress address) {
        AtomicInteger c = perAddress.get(address);
        return c == null ? 0 : c.get();
    }
}
