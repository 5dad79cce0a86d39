package flymq.broker.node;

/**
 * A broker could not start: its message is one line for the operator, naming the port or path and the cause
 * ({@code cannot listen on bind_addr 127.0.0.1:9092: Address already in use}, {@code data directory /srv/flymq is a
 * file, not a directory}); the exception it wraps keeps the detail for {@code --verbose}.
 */
public final class BrokerStartException extends RuntimeException {

    BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The failure as one line: its own message, followed by the root cause's when that one adds something (the
     * system's words, such as "Address already in use").
     */
    static BrokerStartException of(RuntimeException e) {
        if (e instanceof BrokerStartException b) {
            return b;
        }
        // an UncheckedIOException made from its cause alone has that cause's toString() as its message
        Throwable top = e instanceof java.io.UncheckedIOException && e.getCause() != null
                && e.getCause().toString().equals(e.getMessage()) ? e.getCause() : e;
        Throwable root = top;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = top.getMessage() == null ? top.getClass().getSimpleName() : top.getMessage();
        String cause = root.getMessage();
        if (root != top && cause != null && !message.contains(cause)) {
            message += ": " + cause;
        }
        return new BrokerStartException(message.lines().findFirst().orElse(message), e);
    }
}
