package flymq.broker.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the broker remembers about one connection: its member id (the peer's {@code ip:port}, as upstream uses), the
 * user bound by AUTH, the time of its last request (consumer-group sessions expire from it) and the consumer-group
 * memberships it holds, so that closing the connection removes every one of them (upstream only removed the last).
 */
public final class Session {
    private final String memberId;
    private volatile String user = "";
    private volatile boolean authenticated;
    private volatile long lastActivityNanos = System.nanoTime();
    private final Set<Object> memberships = ConcurrentHashMap.newKeySet();

    public Session(String memberId) {
        this.memberId = memberId;
    }

    public String memberId() {
        return memberId;
    }

    public String user() {
        return user;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public void authenticate(String userName) {
        this.user = userName;
        this.authenticated = true;
    }

    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    void touch(long nowNanos) {
        lastActivityNanos = nowNanos;
    }

    /** Keys of the groups this connection is a member of; owned by the group coordinator. */
    public Set<Object> memberships() {
        return memberships;
    }

    @Override
    public String toString() {
        return "session " + memberId;
    }
}
