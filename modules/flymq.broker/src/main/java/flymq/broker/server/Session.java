package flymq.broker.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the broker remembers about one connection: its member id (the peer's {@code ip:port}, as upstream uses), the
 * user bound by AUTH, the time of its last request (consumer-group sessions expire from it) and the consumer-group
 * memberships it holds, so that closing the connection removes every one of them (upstream only removed the last),
 * and its failed logins (the login throttle refuses a sixth on one connection).
 */
public final class Session {
    private final String memberId;
    private volatile String user = "";
    private volatile boolean authenticated;
    private volatile boolean node;
    private volatile byte[] nodeChallenge;
    private volatile long lastActivityNanos = System.nanoTime();
    private final Set<Object> memberships = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failedLogins = new AtomicInteger();

    public Session(String memberId) {
        this.memberId = memberId;
    }

    public String memberId() {
        return memberId;
    }

    /** The peer's address without its port (and without the leading slash of an {@code InetAddress} string). */
    public String clientIp() {
        int colon = memberId.lastIndexOf(':');
        String host = colon > 0 ? memberId.substring(0, colon) : memberId;
        return host.startsWith("/") ? host.substring(1) : host;
    }

    public String user() {
        return user;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public void authenticate(String userName) {
        this.node = false;
        this.user = userName;
        this.authenticated = true;
    }

    /**
     * Binds the connection to another cluster node that proved the cluster secret ({@code flymq.broker.auth.NodeLogin}):
     * it forwards requests its own clients were allowed to make, so it is served with the admin permission.
     */
    public void authenticateNode(String nodeUser) {
        this.user = nodeUser;
        this.node = true;
        this.authenticated = true;
    }

    /** Whether the connection is logged in as a cluster node rather than as a user. */
    public boolean node() {
        return node;
    }

    /** Remembers the node login challenge sent on this connection (one answer is checked against it). */
    public void nodeChallenge(byte[] challenge) {
        this.nodeChallenge = challenge;
    }

    /** The node login challenge sent on this connection, forgotten as it is taken; null when none is pending. */
    public byte[] takeNodeChallenge() {
        byte[] c = nodeChallenge;
        nodeChallenge = null;
        return c;
    }

    /** Failed AUTH attempts on this connection since its last successful one. */
    public AtomicInteger failedLogins() {
        return failedLogins;
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
