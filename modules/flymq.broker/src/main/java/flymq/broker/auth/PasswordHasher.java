package flymq.broker.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Slow password hashes: PBKDF2-HMAC-SHA256 from the JDK's own provider, a random 16-byte salt per hash, 600,000
 * iterations by default (OWASP's current figure for this function). Upstream uses bcrypt; the JDK has no bcrypt or
 * Argon2, and a third-party crypto library in the runtime image is a dependency to audit and keep current, while
 * PBKDF2 with SHA-256 is FIPS-approved and maintained with the JDK.
 *
 * <p>Stored form: {@code pbkdf2-sha256$<iterations>$<salt, base64 unpadded>$<32-byte hash, base64 unpadded>}. The
 * iteration count travels with each hash, so raising {@code auth.password_hash_iterations} affects new passwords
 * only and every stored one keeps verifying. Hashes compare in constant time.
 *
 * <p>{@link #verifyNobody} spends the same time on an unknown user name as a real check would, so the answer time
 * does not tell which names exist.
 */
public final class PasswordHasher {
    public static final int DEFAULT_ITERATIONS = 600_000;
    private static final String PREFIX = "pbkdf2-sha256";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;

    private final int iterations;
    private final SecureRandom random = new SecureRandom();
    private final String dummy;

    public PasswordHasher(int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive, got " + iterations);
        }
        this.iterations = iterations;
        // Only its cost matters (verify derives with its salt and count, then compares): random bytes in place of a
        // derived hash cost nothing here, where deriving one took 600,000 rounds on the start-up path of every broker.
        byte[] salt = new byte[SALT_BYTES];
        byte[] hash = new byte[HASH_BITS / 8];
        random.nextBytes(salt);
        random.nextBytes(hash);
        this.dummy = stored(iterations, salt, hash);
    }

    public String hash(String password) {
        if (password.isEmpty()) {
            throw new IllegalArgumentException("a password may not be empty");
        }
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return stored(iterations, salt, derive(password, salt, iterations));
    }

    private static String stored(int iterations, byte[] salt, byte[] hash) {
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** False for an empty password and for a stored value that is not one of our hashes. */
    public boolean verify(String password, String stored) {
        if (password.isEmpty()) {
            return false;
        }
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            return false;
        }
        try {
            int n = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return n > 0 && MessageDigest.isEqual(expected, derive(password, salt, n));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A check against a hash of nothing: the time an unknown user's login would otherwise save. */
    public void verifyNobody(String password) {
        verify(password, dummy);
    }

    /** What {@link #verifyNobody} checks against: the stored form, at this hasher's iteration count. */
    String nobodyHash() {
        return dummy;
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }
}
