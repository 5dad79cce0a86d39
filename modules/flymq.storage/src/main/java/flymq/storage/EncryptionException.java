package flymq.storage;

/**
 * Records encrypted at rest cannot be read or written: no key, the wrong key, or a value whose authentication tag
 * does not verify. The message names the log, the offset or file, and the key ids that disagree, so an operator sees
 * "wrong key" rather than garbage.
 */
public class EncryptionException extends StorageException {

    public EncryptionException(String message) {
        super(message);
    }

    public EncryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
