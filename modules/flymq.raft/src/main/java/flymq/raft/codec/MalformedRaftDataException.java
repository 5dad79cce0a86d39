package flymq.raft.codec;

/** Bytes that do not decode as the Raft model object they claim to be (a bad frame or a damaged file). */
public final class MalformedRaftDataException extends RuntimeException {

    public MalformedRaftDataException(String message) {
        super(message);
    }

    public MalformedRaftDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
