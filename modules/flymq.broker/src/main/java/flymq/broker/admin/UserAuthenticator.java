package flymq.broker.admin;

import flymq.admin.Authenticator;
import flymq.admin.BearerTokens;
import flymq.broker.auth.AuthRequests;
import flymq.broker.auth.Authorizer;
import flymq.broker.auth.Permission;
import flymq.broker.auth.User;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The admin API's callers are the broker's users: with {@code auth.enabled} every API request needs HTTP Basic
 * credentials of an enabled user, checked as AUTH checks them (and counted and audited as a login when wrong). Any
 * logged-in user may read; the API lets users with the write or admin permission attempt changes, and each change
 * then goes through the same access check as the wire request it becomes (see {@link BrokerAdminBackend}), so
 * creating or deleting topics, resetting offsets and deleting groups take the admin permission there as on the
 * binary port. With auth off every caller may do everything, as before.
 *
 * <p>A browser sends the credentials with every request, and each check costs a 600,000-iteration hash (about a
 * third of a second): a verified name and password pair is therefore remembered for 60 s, by a SHA-256 of the
 * password, never the password itself. The user's roles and enabled flag are looked up again on every request, so a
 * disabled or deleted user loses access at once.
 *
 * <p>A bearer token ({@code POST /api/v1/auth/token}, {@link BearerTokens}) stands for the user it was issued to:
 * the user is looked up on every request as for Basic, so a token of a user disabled, deleted or stripped of a role
 * loses that at once. Tokens live in this node's memory (hashed): a restart revokes them, and in a cluster each
 * node's API knows only the tokens it issued.
 *
 * <p>Guessing is limited per user name (the API's seam does not carry the caller's address): after 20 wrong
 * passwords for a name within 60 s, its logins are refused unchecked until the window ends, which also keeps a flood
 * of Basic headers from spending the node's CPU on hashes.
 */
public final class UserAuthenticator implements Authenticator {
    static final long REMEMBER_SECONDS = 60;
    private static final int MAX_REMEMBERED = 10_000;
    static final int MAX_FAILURES = 20;
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Authorizer authorizer;
    private final AuthRequests logins;
    private final ConcurrentHashMap<String, Long> verified = new ConcurrentHashMap<>();
    /** Per user name: {@code [window start (nanoTime), failures in it]}. */
    private final ConcurrentHashMap<String, long[]> failures = new ConcurrentHashMap<>();

    private final BearerTokens tokens;

    public UserAuthenticator(Authorizer authorizer, AuthRequests logins) {
        this(authorizer, logins, InstantSource.system());
    }

    /** With the clock tokens expire by (tests). */
    public UserAuthenticator(Authorizer authorizer, AuthRequests logins, InstantSource clock) {
        this.authorizer = authorizer;
        this.logins = logins;
        this.tokens = new BearerTokens(clock);
    }

    @Override
    public Optional<BearerTokens.Issued> issueToken(String authorization, long ttlMillis) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        return authenticate(authorization).map(p -> tokens.issue(p.name(), ttlMillis));
    }

    @Override
    public Optional<String> tokenUser(String token) {
        return tokens.user(token);
    }

    @Override
    public boolean revokeToken(String token) {
        return tokens.revoke(token);
    }

    @Override
    public boolean required() {
        return authorizer.enabled();
    }

    @Override
    public Optional<Principal> authenticate(String authorization) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return tokens.user(authorization.substring(7).trim()).map(authorizer::user)
                    .filter(User::enabled).map(UserAuthenticator::principal);
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String name = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        String key = name + "\u0000" + digest(password);
        long now = System.nanoTime();
        Long until = verified.get(key);
        if (until != null && now - until < 0) {
            User u = authorizer.user(name);
            return u != null && u.enabled() ? Optional.of(principal(u)) : Optional.empty();
        }
        long[] window = failures.get(name);
        if (window != null && now - window[0] < WINDOW_NANOS && window[1] >= MAX_FAILURES) {
            return Optional.empty();
        }
        User u = logins.verify(name, password);
        if (u == null) {
            verified.remove(key);
            failures.compute(name, (n, w) -> w == null || now - w[0] >= WINDOW_NANOS ? new long[] {now, 1}
                    : new long[] {w[0], w[1] + 1});
            if (failures.size() > MAX_REMEMBERED) {
                failures.values().removeIf(w -> now - w[0] >= WINDOW_NANOS);
            }
            return Optional.empty();
        }
        if (verified.size() > MAX_REMEMBERED) {
            verified.values().removeIf(t -> now - t >= 0);
        }
        verified.put(key, now + TimeUnit.SECONDS.toNanos(REMEMBER_SECONDS));
        return Optional.of(principal(u));
    }

    private static Principal principal(User u) {
        boolean admin = u.has(Permission.ADMIN);
        return new Principal(u.name(), admin || u.has(Permission.WRITE), admin);
    }

    private static String digest(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
