package flymq.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens of the admin API ({@code POST /api/v1/auth/token}): opaque random strings, each standing for one
 * user until it expires or is revoked. A token is 32 bytes from {@link SecureRandom} in URL-safe base64 after the
 * prefix {@value #PREFIX} (so a leaked one is recognisable in logs and secret scanners). Only its SHA-256 is kept,
 * in memory on this node: a heap dump shows no usable token, and a restart revokes them all. The token names the user,
 * not the user's rights: the authenticator looks the user up on every request, so a role change, a disabled or a
 * deleted user takes effect at once.
 */
public final class BearerTokens {
    /** What every token starts with. */
    public static final String PREFIX = "fmq_";
    /** Live tokens at most; beyond it issuing is refused until some expire (bounds memory against a loop). */
    public static final int MAX_TOKENS = 10_000;
    private static final int RANDOM_BYTES = 32;

    /** An issued token: the only time its text is seen. */
    public record Issued(String token, String user, long expiresAtMillis) {
    }

    private record Entry(String user, long expiresAtMillis) {
    }

    private final SecureRandom random = new SecureRandom();
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Entry> live = new ConcurrentHashMap<>();

    public BearerTokens(InstantSource clock) {
        this.clock = clock;
    }

    /**
     * A new token for {@code user}, valid for {@code ttlMillis}.
     *
     * @throws IllegalStateException when {@link #MAX_TOKENS} are live
     */
    public Issued issue(String user, long ttlMillis) {
        long now = clock.millis();
        if (live.size() >= MAX_TOKENS) {
            live.values().removeIf(e -> e.expiresAtMillis() <= now);
            if (live.size() >= MAX_TOKENS) {
                throw new IllegalStateException(MAX_TOKENS + " admin API tokens are live on this node: revoke some "
                        + "or wait for them to expire");
            }
        }
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        long expires = now + ttlMillis;
        live.put(digest(token), new Entry(user, expires));
        return new Issued(token, user, expires);
    }

    /** The user {@code token} stands for, when it is live; an expired one is forgotten. */
    public Optional<String> user(String token) {
        String key = digest(token);
        Entry e = live.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.expiresAtMillis() <= clock.millis()) {
            live.remove(key, e);
            return Optional.empty();
        }
        return Optional.of(e.user());
    }

    /** Revokes {@code token}; whether it was live. */
    public boolean revoke(String token) {
        return user(token).isPresent() && live.remove(digest(token)) != null;
    }

    /** Live tokens (some may have expired since they were last asked about). */
    public int size() {
        return live.size();
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
