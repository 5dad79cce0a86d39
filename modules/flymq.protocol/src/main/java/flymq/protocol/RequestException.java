package flymq.protocol;

/**
 * A request that was understood but cannot be served (unknown topic, bad partition, unknown group, ...). The broker
 * answers it with an ERROR frame whose text is this message; the connection stays open.
 */
public class RequestException extends RuntimeException {
    public RequestException(String message) {
        super(message);
    }
}
