package flymq.client;

/**
 * No broker could be reached, or the connection broke while a request was outstanding. The request may or may not
 * have been applied by the server (a produce may have been written): callers that retry must tolerate duplicates.
 */
public class ConnectionException extends FlyMqException {
    public ConnectionException(String message) {
        super(message);
    }

    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
