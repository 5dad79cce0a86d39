package flymq.storage.segment;

import flymq.storage.StorageException;

/**
 * An offset index entry disagrees with the .log it indexes (the record at the entry's position does not carry the
 * entry's offset). The log answers by rebuilding the segment's indexes from the .log and retrying once.
 */
public final class IndexMismatchException extends StorageException {

    public IndexMismatchException(String message) {
        super(message);
    }
}
