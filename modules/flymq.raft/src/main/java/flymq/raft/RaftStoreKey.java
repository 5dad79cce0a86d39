package flymq.raft;

import java.util.HexFormat;

/**
 * The key a node's Raft logs are encrypted with at rest (AES-256), and the id of the operator's key it was derived
 * from: the broker derives it from its at-rest key, so the Raft module needs no knowledge of where keys come from.
 * The id is stored in every sealed record, so a log opened with another key fails naming both ids.
 */
public final class RaftStoreKey {

    public static final int KEY_BYTES = 32;

    private final byte[] key;
    private final int id;

    private RaftStoreKey(byte[] key, int id) {
        this.key = key;
        this.id = id;
    }

    /** A key of 32 bytes (copied) with the public id of its origin. */
    public static RaftStoreKey of(byte[] key, int id) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a Raft store key is " + KEY_BYTES + " bytes, got " + key.length);
        }
        return new RaftStoreKey(key.clone(), id);
    }

    public byte[] bytes() {
        return key.clone();
    }

    public int id() {
        return id;
    }

    /** Names the id only: a key must never reach a log line. */
    @Override
    public String toString() {
        return "RaftStoreKey[id " + HexFormat.of().toHexDigits(id) + "]";
    }
}
