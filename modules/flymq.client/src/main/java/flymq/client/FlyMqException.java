package flymq.client;

/** Base of every exception the FlyMQ client throws. Unchecked, so that lambdas and streams stay usable. */
public class FlyMqException extends RuntimeException {
    public FlyMqException(String message) {
        super(message);
    }

    public FlyMqException(String message, Throwable cause) {
        super(message, cause);
    }
}
