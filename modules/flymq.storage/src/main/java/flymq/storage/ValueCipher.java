package flymq.storage;

import flymq.protocol.record.StoredRecordLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of record values at rest (JCA only). A sealed value replaces the value field of a stored
 * record whose attributes carry {@link StoredRecordLayout#ATTR_ENCRYPTED}; its format, big-endian:
 * <pre>
 *   int8   format     1
 *   int32  keyId      {@link EncryptionKey#id()} of the key it was sealed under
 *   int64  salt       picks the data key: AES key = HMAC-SHA256(key, "flymq at-rest data key" || salt)
 *   int64  counter    the GCM nonce is 4 zero bytes || counter
 *   bytes  ciphertext as long as the plain value
 *   16     GCM tag
 * </pre>
 * ({@value StoredRecordLayout#ENCRYPTED_VALUE_OVERHEAD} bytes more than the plain value.) Each process draws a
 * random salt at start and counts from 0, so a (data key, nonce) pair is never used twice, across restarts too,
 * without any state on disk. The additional authenticated data is the record's offset, timestamp and key: a value
 * moved to another record, or a record whose offset was rewritten, fails its tag instead of reading as someone
 * else's message. Headers and the TTL field stay in the clear (readers filter on them without the key); only the
 * value, the message itself, is secret.
 *
 * <p>Key rotation: values are sealed under the key given, and opened under whichever key of its ring
 * ({@link EncryptionKey#withPrevious}) has the id the value names, so records written before a rotation stay
 * readable as long as their key stays in the ring.
 *
 * <p>The key id is checked before the tag, so a wrong key reads as "wrong key, id X expected Y" and a damaged value
 * as "fails authentication"; neither ever yields garbage.
 */
public final class ValueCipher {

    static final int FORMAT = 1;
    private static final int TAG_BITS = 128;
    private static final int NONCE_BYTES = 12;
    private static final byte[] DATA_KEY_LABEL = "flymq at-rest data key".getBytes(StandardCharsets.US_ASCII);
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final EncryptionKey key;
    private final long salt;
    private final SecretKeySpec writeKey;
    private final AtomicLong counter = new AtomicLong();
    private final ConcurrentHashMap<Long, SecretKeySpec> dataKeys = new ConcurrentHashMap<>();
    /** Data keys of the previous keys of the ring ({@link EncryptionKey#previous}), by key id then salt. */
    private final ConcurrentHashMap<Integer, ConcurrentHashMap<Long, SecretKeySpec>> previousDataKeys =
            new ConcurrentHashMap<>();

    public ValueCipher(EncryptionKey key) {
        this(key, new SecureRandom().nextLong());
    }

    ValueCipher(EncryptionKey key, long salt) {
        this.key = key;
        this.salt = salt;
        this.writeKey = dataKey(salt);
        newCipher(); // fail at start-up, not at the first append, on a JDK without AES-GCM
    }

    public EncryptionKey key() {
        return key;
    }

    private SecretKeySpec dataKey(long salt) {
        return dataKey(key, salt);
    }

    /** The data key of {@code ringKey} (this cipher's key or one of its previous ones) for {@code salt}. */
    private SecretKeySpec dataKey(EncryptionKey ringKey, long salt) {
        if (ringKey == key) {
            return dataKeys.computeIfAbsent(salt, s -> new SecretKeySpec(
                    key.hmac(DATA_KEY_LABEL, ByteBuffer.allocate(8).putLong(0, s).array()), "AES"));
        }
        return previousDataKeys.computeIfAbsent(ringKey.id(), id -> new ConcurrentHashMap<>())
                .computeIfAbsent(salt, s -> new SecretKeySpec(
                        ringKey.hmac(DATA_KEY_LABEL, ByteBuffer.allocate(8).putLong(0, s).array()), "AES"));
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance(TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(TRANSFORMATION + " is not available in this JDK", e);
        }
    }

    /** A sealer for one writer thread at a time (a log's append lock); the counter is shared. */
    public Sealer sealer() {
        return new Sealer();
    }

    /** An opener for one reader thread; {@code log} names the log in error messages. */
    public Opener opener(String log) {
        return new Opener(log);
    }

    private static void aad(Cipher cipher, byte[] scratch, long offset, long timestamp, byte[] recordKey) {
        aad(cipher, scratch, offset, timestamp, recordKey, 0, recordKey == null ? 0 : recordKey.length);
    }

    private static void aad(Cipher cipher, byte[] scratch, long offset, long timestamp, byte[] key, int keyOffset,
                            int keyLength) {
        ByteBuffer.wrap(scratch).putLong(0, offset).putLong(8, timestamp);
        cipher.updateAAD(scratch);
        if (keyLength > 0) {
            cipher.updateAAD(key, keyOffset, keyLength);
        }
    }

    /** Encrypts values; not thread-safe. */
    public final class Sealer {
        private final Cipher cipher = newCipher();
        private final byte[] nonce = new byte[NONCE_BYTES];
        private final byte[] aadScratch = new byte[16];

        private Sealer() {}

        /** The sealed form of {@code value} for the record at {@code offset} with this timestamp and key. */
        public byte[] seal(byte[] value, long offset, long timestamp, byte[] recordKey) {
            long n = counter.getAndIncrement();
            byte[] out = new byte[value.length + StoredRecordLayout.ENCRYPTED_VALUE_OVERHEAD];
            ByteBuffer head = ByteBuffer.wrap(out);
            head.put((byte) FORMAT).putInt(key.id()).putLong(salt).putLong(n);
            ByteBuffer.wrap(nonce).putLong(4, n);
            try {
                cipher.init(Cipher.ENCRYPT_MODE, writeKey, new GCMParameterSpec(TAG_BITS, nonce));
                aad(cipher, aadScratch, offset, timestamp, recordKey);
                cipher.doFinal(value, 0, value.length, out, head.position());
                return out;
            } catch (GeneralSecurityException e) {
                throw new EncryptionException("cannot encrypt the value of offset " + offset + ": " + e, e);
            }
        }
    }

    /** Decrypts values; not thread-safe. */
    public final class Opener {
        private final String log;
        private Cipher cipher;
        private final byte[] nonce = new byte[NONCE_BYTES];
        private final byte[] aadScratch = new byte[16];

        private Opener(String log) {
            this.log = log;
        }

        /**
         * The plain value of the sealed value of the record at {@code offset}.
         *
         * @throws EncryptionException for a value sealed under another key, altered, or too short
         */
        public byte[] open(byte[] sealed, long offset, long timestamp, byte[] recordKey) {
            byte[] plain = new byte[Math.max(0, sealed.length - StoredRecordLayout.ENCRYPTED_VALUE_OVERHEAD)];
            openInto(sealed, 0, sealed.length, offset, timestamp, recordKey, 0,
                    recordKey == null ? 0 : recordKey.length, plain, 0);
            return plain;
        }

        /**
         * As {@link #open}, for a sealed value and a record key that lie in arrays (e.g. a record in a read buffer),
         * writing the plain value into {@code out} at {@code outOffset}: no copy of either. Returns its length.
         */
        public int openInto(byte[] sealed, int sealedOffset, int sealedLength, long offset, long timestamp,
                            byte[] recordKey, int keyOffset, int keyLength, byte[] out, int outOffset) {
            if (sealedLength < StoredRecordLayout.ENCRYPTED_VALUE_OVERHEAD) {
                throw new EncryptionException("the encrypted value of offset " + offset + " of " + log + " is "
                        + sealedLength + " bytes, shorter than its " + StoredRecordLayout.ENCRYPTED_VALUE_OVERHEAD
                        + "-byte envelope");
            }
            ByteBuffer head = ByteBuffer.wrap(sealed, sealedOffset, sealedLength);
            int format = head.get();
            int keyId = head.getInt();
            long recordSalt = head.getLong();
            long n = head.getLong();
            if (format != FORMAT) {
                throw new EncryptionException("the value of offset " + offset + " of " + log
                        + " is encrypted in an unknown format " + format);
            }
            EncryptionKey sealedUnder = key.forId(keyId);
            if (sealedUnder == null) {
                throw new EncryptionException("offset " + offset + " of " + log + " was encrypted with key id "
                        + EncryptionKey.hexId(keyId) + " but the configured key has id " + key.idHex()
                        + (key.previous().isEmpty() ? "" : " (previous keys: " + String.join(" ",
                                key.previous().stream().map(EncryptionKey::idHex).toList()) + ")")
                        + ": wrong encryption key");
            }
            ByteBuffer.wrap(nonce).putLong(4, n);
            if (cipher == null) {
                cipher = newCipher();
            }
            try {
                cipher.init(Cipher.DECRYPT_MODE, dataKey(sealedUnder, recordSalt),
                        new GCMParameterSpec(TAG_BITS, nonce));
                aad(cipher, aadScratch, offset, timestamp, recordKey, keyOffset, keyLength);
                return cipher.doFinal(sealed, head.position(), sealedOffset + sealedLength - head.position(), out,
                        outOffset);
            } catch (AEADBadTagException e) {
                throw new EncryptionException("the encrypted value of offset " + offset + " of " + log
                        + " fails authentication under key id " + EncryptionKey.hexId(keyId)
                        + ": it was altered on disk or moved from another record", e);
            } catch (GeneralSecurityException e) {
                throw new EncryptionException("cannot decrypt offset " + offset + " of " + log + ": " + e, e);
            }
        }
    }
}
