package flymq.protocol;

/**
 * A payload that does not decode: too short, an inner length that overruns it, an absurd count. The frame itself
 * was well delimited, so the connection stays usable; the broker answers with an ERROR frame carrying the message.
 */
public final class MalformedPayloadException extends RuntimeException {
    public MalformedPayloadException(String message) {
        super(message);
    }
}
