package flymq.storage;

/** A stored record failed its CRC32C or framing check; the message names the file, position and offset. */
public class CorruptRecordException extends StorageException {

    public CorruptRecordException(String message) {
        super(message);
    }
}
