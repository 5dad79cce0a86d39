package flymq.raft;

import java.util.ArrayDeque;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps the last {@value #CAPACITY} log records of MicroRaft (SLF4J routed to java.util.logging) and of FlyMQ's
 * Raft classes, so a failed cluster test can print what the nodes said just before it, without flooding the
 * report of every passing run.
 */
final class RecentLogLines extends Handler {

    static final RecentLogLines INSTANCE = new RecentLogLines();
    private static final int CAPACITY = 400;
    // strong references: java.util.logging holds loggers weakly and would drop our handler with them
    private static final List<Logger> LOGGERS = List.of(Logger.getLogger("io.microraft"), Logger.getLogger("flymq.raft"));

    static {
        for (Logger logger : LOGGERS) {
            logger.addHandler(INSTANCE);
        }
        INSTANCE.setLevel(Level.INFO);
    }

    private final ArrayDeque<String> lines = new ArrayDeque<>();

    private RecentLogLines() {
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String message = record.getMessage();
        Object[] params = record.getParameters();
        if (params != null && message != null && message.contains("{")) {
            try {
                message = java.text.MessageFormat.format(message, params);
            } catch (IllegalArgumentException ignored) {
                // keep the raw pattern
            }
        }
        if (lines.size() == CAPACITY) {
            lines.removeFirst();
        }
        lines.addLast(String.format("%tT.%<tL %s %s %s%s", record.getMillis(), record.getLevel(),
                record.getLoggerName().substring(record.getLoggerName().lastIndexOf('.') + 1), message,
                record.getThrown() == null ? "" : " " + record.getThrown()));
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized void clear() {
        lines.clear();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
