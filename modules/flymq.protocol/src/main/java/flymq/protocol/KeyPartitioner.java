package flymq.protocol;

/**
 * Where a produced record goes (wire spec 5): an explicit partition is honoured; a keyed record goes to
 * {@code FNV-1a-32(key) mod n} with unsigned arithmetic; a keyless one round-robins per topic, starting at 0.
 * A topic with one partition always gets 0 and leaves its counter alone.
 */
public final class KeyPartitioner {
    private static final int FNV_OFFSET_BASIS = 0x811C9DC5;
    private static final int FNV_PRIME = 0x01000193;

    private KeyPartitioner() {
    }

    public static int fnv1a32(byte[] key) {
        int h = FNV_OFFSET_BASIS;
        for (byte b : key) {
            h ^= (b & 0xFF);
            h *= FNV_PRIME;
        }
        return h;
    }

    /** Partition for a key (length > 0) among {@code n}. */
    public static int forKey(byte[] key, int n) {
        return Integer.remainderUnsigned(fnv1a32(key), n);
    }
}
