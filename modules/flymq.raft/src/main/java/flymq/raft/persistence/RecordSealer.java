package flymq.raft.persistence;

import flymq.raft.RaftStoreKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM (JCA) for the payloads of a Raft log's ENTRY and SNAPSHOT_CHUNK records, which carry produced record
 * values. A sealed payload, after its type byte, big-endian:
 * <pre>
 *   int32  keyId       {@link RaftStoreKey#id()}
 *   int64  salt        data key = HMAC-SHA256(key, "flymq raft store data key" || salt)
 *   int64  counter     GCM nonce = 4 zero bytes || counter
 *   bytes  ciphertext  the plain payload (the codec's entry or chunk)
 *   16     GCM tag     over the ciphertext, with the record type as associated data
 * </pre>
 * As for partition logs, each store draws a random salt when it opens and counts from 0, so no (key, nonce) pair
 * repeats across restarts without state on disk. New records are sealed under the ring's current key; a record
 * names the key it was sealed under, so one sealed under a previous key of the ring (before a rotation) still opens. Records copied by compaction keep their bytes: nothing binds them
 * to a file position. Not thread-safe: the store calls it from its Raft thread only.
 */
final class RecordSealer {

    static final int OVERHEAD = 4 + 8 + 8 + 16;
    private static final int TAG_BITS = 128;
    private static final byte[] LABEL = "flymq raft store data key".getBytes(StandardCharsets.US_ASCII);

    private final RaftStoreKey key;
    private final long salt = new SecureRandom().nextLong();
    private long counter;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    private final ConcurrentHashMap<DataKeyId, SecretKeySpec> dataKeys = new ConcurrentHashMap<>();

    /** A data key is the key's (of the ring) under a store's salt. */
    private record DataKeyId(int keyId, long salt) {
    }

    RecordSealer(RaftStoreKey key) {
        this.key = key;
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is not available in this JDK", e);
        }
    }

    private SecretKeySpec dataKey(RaftStoreKey k, long s) {
        return dataKeys.computeIfAbsent(new DataKeyId(k.id(), s), x -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(k.bytes(), "HmacSHA256"));
                mac.update(LABEL);
                return new SecretKeySpec(mac.doFinal(ByteBuffer.allocate(8).putLong(0, x.salt()).array()), "AES");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
            }
        });
    }

    /** The sealed form of {@code plain[0, length)} for a record of {@code type}. */
    byte[] seal(byte type, byte[] plain, int length) throws CorruptRaftStoreException {
        long n = counter++;
        byte[] out = new byte[length + OVERHEAD];
        ByteBuffer.wrap(out).putInt(key.id()).putLong(salt).putLong(n);
        ByteBuffer.wrap(nonce).putLong(4, n);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, dataKey(key, salt), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(new byte[] {type});
            cipher.doFinal(plain, 0, length, out, 20);
            return out;
        } catch (GeneralSecurityException e) {
            throw new CorruptRaftStoreException("cannot encrypt a Raft log record: " + e);
        }
    }

    /**
     * The plain payload of the sealed bytes from {@code sealed}'s position to its limit.
     *
     * @param where names the file and offset for the error message
     * @throws CorruptRaftStoreException for another key's record or one that fails authentication
     */
    ByteBuffer open(byte type, ByteBuffer sealed, String where) throws CorruptRaftStoreException {
        if (sealed.remaining() < OVERHEAD) {
            throw new CorruptRaftStoreException(where + ": encrypted record of " + sealed.remaining() + " bytes");
        }
        int keyId = sealed.getInt();
        long s = sealed.getLong();
        long n = sealed.getLong();
        RaftStoreKey k = key.forId(keyId);
        if (k == null) {
            throw new CorruptRaftStoreException(where + " was encrypted with key id " + HexFormat.of().toHexDigits(keyId)
                    + " but the configured key has id " + HexFormat.of().toHexDigits(key.id())
                    + (key.previous().isEmpty() ? "" : " (previous keys " + String.join(" ", key.previous().stream()
                    .map(p -> HexFormat.of().toHexDigits(p.id())).toList()) + ")")
                    + ": wrong encryption key (after a key rotation, give the old key as a previous key)");
        }
        ByteBuffer.wrap(nonce).putLong(4, n);
        try {
            cipher.init(Cipher.DECRYPT_MODE, dataKey(k, s), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(new byte[] {type});
            ByteBuffer out = ByteBuffer.allocate(sealed.remaining() - 16);
            cipher.doFinal(sealed, out);
            return out.flip();
        } catch (AEADBadTagException e) {
            throw new CorruptRaftStoreException(where + ": an encrypted record fails authentication under key id "
                    + HexFormat.of().toHexDigits(k.id()) + " (altered on disk)");
        } catch (GeneralSecurityException e) {
            throw new CorruptRaftStoreException(where + ": cannot decrypt a record: " + e);
        }
    }
}
