package flymq.storage;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The operator's 256-bit key for encryption at rest, and its public id.
 *
 * <p>The key itself never encrypts anything: every user derives its own key from it with HMAC-SHA256 under a label
 * ({@link #hmac}), so the record values of the segment files, the Raft logs and the id below never share a key. The
 * id is the first 4 bytes of {@code HMAC(key, "flymq at-rest key id")}: stored next to the data (and in every sealed
 * value) it tells a wrong key from a damaged file without revealing anything usable about the key. Two keys share an
 * id with probability 2^-32; the GCM tag still refuses the wrong one.
 */
public final class EncryptionKey {

    /** AES-256. */
    public static final int KEY_BYTES = 32;
    private static final byte[] ID_LABEL = "flymq at-rest key id".getBytes(StandardCharsets.US_ASCII);

    private final byte[] key;
    private final int id;
    /** Keys of earlier rotations, still accepted for reading what they sealed; never used for new writes. */
    private final List<EncryptionKey> previous;

    private EncryptionKey(byte[] key) {
        this(key, List.of());
    }

    private EncryptionKey(byte[] key, List<EncryptionKey> previous) {
        this.key = key;
        this.id = computeId(key);
        this.previous = previous;
    }

    /**
     * This key for new writes, with {@code older} keys (earlier rotations) kept for reading what they sealed: a key
     * ring. Duplicates and this key itself are dropped; the older keys' own rings are ignored.
     */
    public EncryptionKey withPrevious(List<EncryptionKey> older) {
        Map<Integer, EncryptionKey> ring = new LinkedHashMap<>();
        for (EncryptionKey k : older) {
            if (k.id != id) {
                ring.putIfAbsent(k.id, new EncryptionKey(k.key));
            }
        }
        return new EncryptionKey(key, List.copyOf(ring.values()));
    }

    /** The keys of earlier rotations this key reads with (empty without rotation). */
    public List<EncryptionKey> previous() {
        return previous;
    }

    /** This key or the previous one with id {@code keyId}, or null when the ring has none with that id. */
    public EncryptionKey forId(int keyId) {
        if (keyId == id) {
            return this;
        }
        for (EncryptionKey k : previous) {
            if (k.id == keyId) {
                return k;
            }
        }
        return null;
    }

    /**
     * Parses the key as 64 hexadecimal characters ({@code openssl rand -hex 32}), surrounding white space ignored.
     *
     * @param source where the text came from, for the error message (never the text itself)
     * @throws IllegalArgumentException when the text is not 64 hexadecimal characters
     */
    public static EncryptionKey fromHex(CharSequence text, String source) {
        String trimmed = text.toString().strip();
        if (trimmed.length() != 2 * KEY_BYTES) {
            throw new IllegalArgumentException("the encryption key in " + source + " must be " + 2 * KEY_BYTES
                    + " hexadecimal characters (32 bytes, e.g. from 'openssl rand -hex 32'), found "
                    + trimmed.length() + " characters");
        }
        try {
            return new EncryptionKey(HexFormat.of().parseHex(trimmed));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the encryption key in " + source + " must be " + 2 * KEY_BYTES
                    + " hexadecimal characters (0-9, a-f), found other characters");
        }
    }

    /** A key from its 32 raw bytes (copied). */
    public static EncryptionKey of(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an encryption key is " + KEY_BYTES + " bytes, got " + key.length);
        }
        return new EncryptionKey(key.clone());
    }

    /** The key's public id (see the class comment). */
    public int id() {
        return id;
    }

    /** {@link #id()} as 8 hexadecimal digits, as it appears in files and error messages. */
    public String idHex() {
        return hexId(id);
    }

    public static String hexId(int id) {
        return HexFormat.of().toHexDigits(id);
    }

    /** HMAC-SHA256 under this key of the parts concatenated: how every user derives a key of its own. */
    public byte[] hmac(byte[]... parts) {
        return mac(key, parts);
    }

    private static int computeId(byte[] key) {
        byte[] mac = mac(key, ID_LABEL);
        return (mac[0] & 0xFF) << 24 | (mac[1] & 0xFF) << 16 | (mac[2] & 0xFF) << 8 | mac[3] & 0xFF;
    }

    private static byte[] mac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncryptionKey other && MessageDigest.isEqual(key, other.key);
    }

    @Override
    public int hashCode() {
        return id;
    }

    /** Names the ids only: a key must never reach a log line. */
    @Override
    public String toString() {
        return "EncryptionKey[id " + idHex() + (previous.isEmpty() ? "" : ", previous "
                + String.join(" ", previous.stream().map(EncryptionKey::idHex).toList())) + "]";
    }
}
