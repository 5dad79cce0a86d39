package flymq.raft.persistence;

import java.io.IOException;

/** The Raft data directory holds state that cannot be restored safely; the message names the file and the facts. */
public final class CorruptRaftStoreException extends IOException {

    public CorruptRaftStoreException(String message) {
        super(message);
    }

    public CorruptRaftStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
