package flymq.client;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces the request timeout without socket read timeouts (see {@link Connection}): one daemon thread per JVM,
 * running while any connection is open, checks every open connection's synchronous call deadline, or in pipelined
 * mode the deadline of its oldest unanswered request, every {@value #PERIOD_MILLIS} ms and forgets closed
 * connections. A request therefore times out between its timeout and its timeout plus one period.
 */
final class CallWatchdog {
    static final long PERIOD_MILLIS = 50;
    private static final Set<Connection> WATCHED = ConcurrentHashMap.newKeySet();
    private static Thread thread;

    private CallWatchdog() {
    }

    static synchronized void watch(Connection c) {
        WATCHED.add(c);
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("flymq-client-timeouts").start(CallWatchdog::run);
        }
    }

    /** Ends the thread when nothing is left to watch; {@link #watch} starts a new one. */
    private static synchronized boolean idle() {
        if (WATCHED.isEmpty()) {
            thread = null;
            return true;
        }
        return false;
    }

    private static void run() {
        while (true) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            WATCHED.removeIf(c -> !c.closeIfOverdue(now));
            if (idle()) {
                return;
            }
        }
    }
}
