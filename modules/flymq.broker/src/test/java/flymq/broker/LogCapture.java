package flymq.broker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The messages one java.util.logging logger publishes while attached: tests that check what a node logged. */
final class LogCapture extends Handler {
    /** Held so the logger, and the handler attached to it, outlive a collection. */
    private final Logger logger;
    private final List<String> messages = new CopyOnWriteArrayList<>();

    LogCapture(String loggerName) {
        this.logger = Logger.getLogger(loggerName);
    }

    void attach() {
        logger.addHandler(this);
    }

    void detach() {
        logger.removeHandler(this);
    }

    /** What was published since the capture was created or last cleared (the list itself: clear() empties it). */
    List<String> messages() {
        return messages;
    }

    @Override
    public void publish(LogRecord r) {
        messages.add(r.getMessage());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return messages.toString();
    }
}
