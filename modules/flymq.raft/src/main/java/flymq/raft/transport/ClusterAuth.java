package flymq.raft.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How cluster connections are authenticated: not at all ({@link #NONE}), with a secret every node shares
 * ({@link #sharedSecret}), with mutual TLS ({@link #withTls}, certificates from the cluster CA), or with both.
 * For the secret, HMAC-SHA256 from the JDK does all the work; the protocol around it lives in
 * {@link TcpClusterTransport}:
 * <ol>
 *   <li>the connecting node sends a fresh 16-byte nonce, the accepting node answers with one of its own;</li>
 *   <li>the connecting node proves it holds the secret: {@code HMAC(secret, "flymq cluster proof v1" || cn || an)},
 *       compared in constant time; a wrong proof gets a refusal byte and the connection is closed;</li>
 *   <li>every frame after that carries {@code HMAC(sessionKey, int64 sequence || int32 length || payload)} with
 *       {@code sessionKey = HMAC(secret, "flymq cluster session v1" || cn || an)} and the sequence counting frames
 *       from 0, so a frame cannot be forged, altered, dropped silently, reordered, or replayed into this or another
 *       connection (the acceptor's fresh nonce makes every session key new).</li>
 * </ol>
 * This authenticates who sends Raft messages (a node without the secret cannot join, vote or append); it does not
 * hide them: put cluster traffic on a private network, or behind TLS, when its content is secret.
 */
public final class ClusterAuth {

    /** Shortest secret accepted: 128 bits. */
    public static final int MIN_SECRET_BYTES = 16;
    public static final ClusterAuth NONE = new ClusterAuth(null);
    static final int NONCE_BYTES = 16;
    static final int MAC_BYTES = 32;
    private static final byte[] PROOF_LABEL = "flymq cluster proof v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SESSION_LABEL = "flymq cluster session v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] secret;
    private final SecureRandom random;
    private final ClusterTls tls;

    private ClusterAuth(byte[] secret, ClusterTls tls) {
        this.secret = secret;
        this.random = secret == null ? null : new SecureRandom();
        this.tls = tls;
    }

    private ClusterAuth(byte[] secret) {
        this(secret, null);
    }

    /** This authentication with every connection also under mutual TLS ({@code tls}); the secret, if any, stays. */
    public ClusterAuth withTls(ClusterTls tls) {
        return new ClusterAuth(secret, java.util.Objects.requireNonNull(tls, "tls"));
    }

    /** Mutual TLS on every connection, or null. */
    public ClusterTls tls() {
        return tls;
    }

    /** Whether connections are authenticated at all (a secret, mutual TLS, or both). */
    public boolean authenticates() {
        return secret != null || tls != null;
    }

    /** Authentication with {@code secret} (copied), at least {@value #MIN_SECRET_BYTES} bytes. */
    public static ClusterAuth sharedSecret(byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("a cluster secret must be at least " + MIN_SECRET_BYTES
                    + " bytes, got " + secret.length);
        }
        return new ClusterAuth(secret.clone());
    }

    /** Whether a shared secret is proven on every connection (see {@link #authenticates} for TLS too). */
    public boolean enabled() {
        return secret != null;
    }

    /**
     * A key for another use of the secret (its purpose named by {@code label}), never the secret itself: {@code
     * HMAC(secret, label)}, so that a key derived for one purpose reveals nothing of the secret or of other keys.
     * Null without a secret.
     */
    public byte[] derivedKey(String label) {
        return secret == null ? null : hmac(secret, label.getBytes(StandardCharsets.US_ASCII));
    }

    byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        random.nextBytes(n);
        return n;
    }

    byte[] proof(byte[] connectorNonce, byte[] acceptorNonce) {
        return hmac(secret, PROOF_LABEL, connectorNonce, acceptorNonce);
    }

    boolean verify(byte[] proof, byte[] connectorNonce, byte[] acceptorNonce) {
        return MessageDigest.isEqual(proof, proof(connectorNonce, acceptorNonce));
    }

    /** The MAC state of one connection's frames, the same on both ends. */
    FrameMac frameMac(byte[] connectorNonce, byte[] acceptorNonce) {
        return new FrameMac(hmac(secret, SESSION_LABEL, connectorNonce, acceptorNonce));
    }

    private static byte[] hmac(byte[] key, byte[]... parts) {
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

    /** Never shows the secret. */
    @Override
    public String toString() {
        String what = secret == null ? (tls == null ? "none" : "mutual TLS")
                : (tls == null ? "shared secret" : "shared secret, mutual TLS");
        return "ClusterAuth[" + what + "]";
    }

    /** The MACs of one connection's frames, in order; used by one thread (the writer, or the reader). */
    static final class FrameMac {
        private final Mac mac;
        private final byte[] header = new byte[12];
        private long sequence;

        private FrameMac(byte[] key) {
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
            }
        }

        /** The MAC of the next frame, whose payload is {@code payload[offset, offset + length)}. */
        byte[] next(byte[] payload, int offset, int length) {
            ByteBuffer.wrap(header).putLong(0, sequence++).putInt(8, length);
            mac.update(header);
            mac.update(payload, offset, length);
            return mac.doFinal();
        }
    }
}
