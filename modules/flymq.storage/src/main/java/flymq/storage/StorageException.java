package flymq.storage;

/** A storage failure, mostly I/O; the message names the file and what was being done. */
public class StorageException extends RuntimeException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
