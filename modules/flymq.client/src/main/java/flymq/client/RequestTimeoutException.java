package flymq.client;

/** The server did not answer within the request timeout; the connection was closed because its order is lost. */
public class RequestTimeoutException extends ConnectionException {
    public RequestTimeoutException(String message) {
        super(message);
    }
}
