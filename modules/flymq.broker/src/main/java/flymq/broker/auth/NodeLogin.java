package flymq.broker.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How one cluster node logs in to another node's client port, to forward requests there, without a user password:
 * a challenge and response over AUTH 0x70 under a key derived from the cluster secret. The node that forwards has
 * already checked its client's request; the node that receives serves a node's session with the admin permission.
 *
 * <p>The exchange, on a connection of its own (TLS when the client port speaks TLS):
 * <ol>
 *   <li>the forwarding node sends AUTH with user {@code flymq-node:<its node id>} and an empty password;</li>
 *   <li>the receiving node answers {@code success = 0} with the error text {@code challenge:<base64 of 16 random
 *       bytes>} and remembers the challenge in the connection's session (one answer allowed);</li>
 *   <li>the forwarding node sends AUTH again, same user, with the password {@code base64(HMAC-SHA256(key,
 *       "flymq node login v1" || 0 || user || 0 || receiving node id || 0 || challenge))}, where {@code key =
 *       HMAC-SHA256(cluster secret, "flymq node login key v1")};</li>
 *   <li>the receiving node compares in constant time and binds the session to the node, or counts a failed login.</li>
 * </ol>
 * The challenge is fresh for each connection, so an answer seen on the wire opens no other connection; the
 * receiving node's id in the MAC keeps an answer for one node from opening a connection to another; the key is
 * used for nothing else. Names with the {@value #USER_PREFIX} prefix are never users: AUTH checks them only this way,
 * and USER_CREATE refuses them. Without a cluster secret there are no node logins: nodes then log in as the
 * bootstrap admin.
 */
public final class NodeLogin {
    /** The user name prefix of a node's login; the node id follows. */
    public static final String USER_PREFIX = "flymq-node:";
    /** The error text of the challenge answer starts with this; base64 of the challenge follows. */
    public static final String CHALLENGE_PREFIX = "challenge:";
    /** Without a cluster secret: every node login is refused. */
    public static final NodeLogin NONE = new NodeLogin(null, "");

    private static final String KEY_LABEL = "flymq node login key v1";
    private static final byte[] PROOF_LABEL = "flymq node login v1".getBytes(StandardCharsets.US_ASCII);
    private static final int CHALLENGE_BYTES = 16;

    private final byte[] key;
    private final String selfId;
    private final SecureRandom random = new SecureRandom();

    private NodeLogin(byte[] key, String selfId) {
        this.key = key;
        this.selfId = selfId;
    }

    /**
     * @param derivedKey the cluster secret's key for node logins ({@code ClusterAuth.derivedKey(keyLabel())}), or
     *                   null without a secret
     * @param selfId     this node's id
     */
    public static NodeLogin of(byte[] derivedKey, String selfId) {
        return derivedKey == null ? NONE : new NodeLogin(derivedKey.clone(), selfId);
    }

    /** The label the cluster secret's key for node logins is derived under. */
    public static String keyLabel() {
        return KEY_LABEL;
    }

    /** Whether this node can log in to others and admit their logins (it has the cluster secret). */
    public boolean enabled() {
        return key != null;
    }

    /** Whether {@code user} names a node's login rather than a user. */
    public static boolean isNodeUser(String user) {
        return user.startsWith(USER_PREFIX);
    }

    /** The user name this node logs in with. */
    public String user() {
        return USER_PREFIX + selfId;
    }

    /** A fresh challenge for a connection's session. */
    byte[] challenge() {
        byte[] c = new byte[CHALLENGE_BYTES];
        random.nextBytes(c);
        return c;
    }

    /** The answer this node sends to {@code target}'s challenge. */
    public String answer(String targetNodeId, String challengeText) {
        if (!enabled()) {
            throw new IllegalStateException("node logins need the cluster secret");
        }
        if (!challengeText.startsWith(CHALLENGE_PREFIX)) {
            throw new IllegalArgumentException("not a node login challenge");
        }
        byte[] challenge = Base64.getDecoder().decode(challengeText.substring(CHALLENGE_PREFIX.length()));
        return Base64.getEncoder().encodeToString(proof(user(), targetNodeId, challenge));
    }

    /** Whether {@code answer} proves the cluster secret for {@code user}'s login to this node under {@code challenge}. */
    boolean verify(String user, byte[] challenge, String answer) {
        if (!enabled() || challenge == null) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(answer);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, proof(user, selfId, challenge));
    }

    static String challengeText(byte[] challenge) {
        return CHALLENGE_PREFIX + Base64.getEncoder().encodeToString(challenge);
    }

    private byte[] proof(String user, String targetNodeId, byte[] challenge) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(PROOF_LABEL);
            mac.update((byte) 0);
            mac.update(user.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(targetNodeId.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(challenge);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "NodeLogin[" + (enabled() ? user() : "off") + "]";
    }
}
