package flymq.raft;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key a node's Raft logs are encrypted with at rest (AES-256), and the id of the operator's key it was derived
 * from: the broker derives it from its at-rest key, so the Raft module needs no knowledge of where keys come from.
 * The id is stored in every sealed record, so a log opened with another key fails naming both ids.
 */
public final class RaftStoreKey {

    public static final int KEY_BYTES = 32;

    private final byte[] key;
    private final int id;
    /** Keys of earlier rotations: records they sealed are still opened; nothing new is sealed under them. */
    private final List<RaftStoreKey> previous;

    private RaftStoreKey(byte[] key, int id, List<RaftStoreKey> previous) {
        this.key = key;
        this.id = id;
        this.previous = previous;
    }

    /** A key of 32 bytes (copied) with the public id of its origin. */
    public static RaftStoreKey of(byte[] key, int id) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a Raft store key is " + KEY_BYTES + " bytes, got " + key.length);
        }
        return new RaftStoreKey(key.clone(), id, List.of());
    }

    /**
     * This key for new records, with {@code older} keys (the at-rest key's earlier rotations) kept for opening what
     * they sealed: a key ring, so that a node whose at-rest key was rotated still reads its Raft logs. Keys with this
     * key's id, and repeated ids, are dropped; the older keys' own rings are ignored.
     */
    public RaftStoreKey withPrevious(List<RaftStoreKey> older) {
        Map<Integer, RaftStoreKey> ring = new LinkedHashMap<>();
        for (RaftStoreKey k : older) {
            if (k.id != id) {
                ring.putIfAbsent(k.id, new RaftStoreKey(k.key, k.id, List.of()));
            }
        }
        return new RaftStoreKey(key, id, List.copyOf(ring.values()));
    }

    /** The keys of earlier rotations (empty without rotation). */
    public List<RaftStoreKey> previous() {
        return previous;
    }

    /** This key or the previous one with id {@code keyId}, or null when the ring has none with that id. */
    public RaftStoreKey forId(int keyId) {
        if (keyId == id) {
            return this;
        }
        for (RaftStoreKey k : previous) {
            if (k.id == keyId) {
                return k;
            }
        }
        return null;
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
        return "RaftStoreKey[id " + HexFormat.of().toHexDigits(id) + (previous.isEmpty() ? "" : ", previous "
                + String.join(" ", previous.stream().map(k -> HexFormat.of().toHexDigits(k.id)).toList())) + "]";
    }
}
