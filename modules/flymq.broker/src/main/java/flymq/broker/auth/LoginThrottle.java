package flymq.broker.auth;

import flymq.broker.server.Session;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down and then stops password guessing. Each failed AUTH on a connection is answered later than the one
 * before (0, 250, 500 ms ... up to 2 s); after 5 failures the connection gets no more tries (reconnecting costs a
 * TCP and maybe a TLS handshake). Across connections, 20 failures from one IP address within 60 s refuse further
 * logins from it until the window ends. A success resets the connection's count, not the address's window. Against
 * the 600,000-iteration hash this bounds an online guesser to a few hundred tries per address and hour.
 *
 * <p>The address table forgets windows that ended once it holds more than 10,000 addresses, so a spread of
 * addresses cannot grow it without bound.
 */
final class LoginThrottle {
    static final int STEP_MS = 250;
    static final int MAX_DELAY_MS = 2000;
    static final int MAX_PER_CONNECTION = 5;
    static final int MAX_PER_ADDRESS = 20;
    static final long WINDOW_MS = 60_000;
    private static final int MAX_ADDRESSES = 10_000;

    private final ConcurrentHashMap<String, Window> byAddress = new ConcurrentHashMap<>();

    /** Why this login may not even be tried, or null. */
    String refusal(Session session, long nowMs) {
        if (session.failedLogins().get() >= MAX_PER_CONNECTION) {
            return "too many failed logins on this connection (" + MAX_PER_CONNECTION + "): reconnect to try again";
        }
        Window w = byAddress.get(session.clientIp());
        if (w != null && nowMs - w.startMs() < WINDOW_MS && w.failures() >= MAX_PER_ADDRESS) {
            return "too many failed logins from " + session.clientIp() + " (" + w.failures() + " in "
                    + WINDOW_MS / 1000 + " s): try again in " + (WINDOW_MS - (nowMs - w.startMs()) + 999) / 1000
                    + " s";
        }
        return null;
    }

    /** Counts a failure; returns how long to wait before answering it. */
    long failed(Session session, long nowMs) {
        int n = session.failedLogins().incrementAndGet();
        byAddress.compute(session.clientIp(), (ip, w) -> w == null || nowMs - w.startMs() >= WINDOW_MS
                ? new Window(nowMs, 1) : new Window(w.startMs(), w.failures() + 1));
        if (byAddress.size() > MAX_ADDRESSES) {
            byAddress.values().removeIf(w -> nowMs - w.startMs() >= WINDOW_MS);
        }
        return Math.min(MAX_DELAY_MS, (long) STEP_MS * (n - 1));
    }

    void succeeded(Session session) {
        session.failedLogins().set(0);
    }

    private record Window(long startMs, int failures) {
    }
}
