package flymq.client;

/** The server sent bytes that do not follow the wire protocol (bad magic, version, length or payload layout). */
public class ProtocolException extends FlyMqException {
    public ProtocolException(String message) {
        super(message);
    }
}
