package flymq.broker.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One log line per interval for an event that can repeat thousands of times a second (a connection flood, an
 * acceptor that keeps failing): the first occurrence is logged at once, later ones within the interval are only
 * counted, and the next line says how many were left out. Thread-safe. Public for the other server-side packages
 * (failed logins are logged through one).
 */
public final class ThrottledLog {
    private final System.Logger logger;
    private final System.Logger.Level level;
    private final long intervalNanos;
    private final AtomicLong nextLogAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public ThrottledLog(System.Logger logger, System.Logger.Level level, long intervalNanos) {
        this.logger = logger;
        this.level = level;
        this.intervalNanos = intervalNanos;
    }

    /** Logs {@code message} unless a line went out less than an interval ago; returns whether it was logged. */
    public boolean log(String message, Throwable cause) {
        long now = System.nanoTime();
        long next = nextLogAt.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !nextLogAt.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return false;
        }
        long left = suppressed.getAndSet(0);
        String line = left == 0 ? message : message + " (" + left + " more like it not logged since the last line)";
        if (cause == null) {
            logger.log(level, line);
        } else {
            logger.log(level, line, cause);
        }
        return true;
    }

    public boolean log(String message) {
        return log(message, null);
    }
}
