package flymq.storage;

/** A read asked for an offset below the log start (deleted by retention) or beyond the log end. */
public class OffsetOutOfRangeException extends StorageException {

    private final long requestedOffset;
    private final long startOffset;
    private final long endOffset;

    public OffsetOutOfRangeException(String log, long requestedOffset, long startOffset, long endOffset) {
        super("offset " + requestedOffset + " is out of range for " + log + ": retained offsets are ["
                + startOffset + ", " + endOffset + ")");
        this.requestedOffset = requestedOffset;
        this.startOffset = startOffset;
        this.endOffset = endOffset;
    }

    public long requestedOffset() {
        return requestedOffset;
    }

    public long startOffset() {
        return startOffset;
    }

    public long endOffset() {
        return endOffset;
    }
}
