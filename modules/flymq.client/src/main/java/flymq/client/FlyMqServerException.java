package flymq.client;

/**
 * The server answered a request with an ERROR frame (opcode 0xFF). {@link #serverMessage()} is the server's text
 * verbatim; {@link #getMessage()} adds the request it answered.
 */
public class FlyMqServerException extends FlyMqException {
    private final String serverMessage;
    private final String request;

    public FlyMqServerException(String request, String serverMessage) {
        super(request + " failed: " + serverMessage);
        this.request = request;
        this.serverMessage = serverMessage;
    }

    /** The error text exactly as the server sent it. */
    public String serverMessage() {
        return serverMessage;
    }

    /** The name of the request the server refused, e.g. {@code PRODUCE}. */
    public String request() {
        return request;
    }

    /**
     * The exception a server's error text stands for: {@link NotLeaderException} for a not-leader text,
     * {@link AuthenticationException} for a refused login or permission, else this class (also for per-group errors
     * of a BATCH_PRODUCE answer, which come as text, not as an ERROR frame).
     */
    public static FlyMqServerException of(String request, String serverMessage) {
        if (serverMessage.toLowerCase(java.util.Locale.ROOT).contains("not leader")
                || serverMessage.toLowerCase(java.util.Locale.ROOT).contains("not partition leader")) {
            return new NotLeaderException(request, serverMessage);
        }
        if (serverMessage.contains("authentication required") || serverMessage.contains("unauthorized")
                || serverMessage.contains("invalid username or password")
                || serverMessage.contains("user account is disabled")) {
            return new AuthenticationException(request, serverMessage);
        }
        return new FlyMqServerException(request, serverMessage);
    }
}
