package flymq.protocol.record;

/** Stored record bytes that do not hold valid records: damaged on disk or on the way, or cut short. */
public final class InvalidRecordException extends RuntimeException {
    private final int position;
    private final String problem;

    public InvalidRecordException(int position, String problem) {
        super("record at byte " + position + ": " + problem);
        this.position = position;
        this.problem = problem;
    }

    /** What is wrong with the record, e.g. {@code CRC32C mismatch: stored ..., computed ...}. */
    public String problem() {
        return problem;
    }

    /** Where the first invalid record starts, relative to the bytes handed to the decoder. */
    public int position() {
        return position;
    }
}
