package flymq.broker.auth;

import flymq.broker.BrokerListener;
import flymq.broker.audit.AuditTrail;
import flymq.broker.server.Session;
import flymq.broker.server.ThrottledLog;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.AuthRequest;
import flymq.protocol.message.AuthResponse;
import flymq.protocol.message.WhoAmIResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * AUTH 0x70 (answered with 0x71) and WHOAMI 0x72, in the byte layouts that every SDK decodes (wire spec 4.16 compat
 * facts; the layouts are {@link AuthRequest}, {@link AuthResponse} and {@link WhoAmIResponse}).
 *
 * <p>With {@code auth.enabled} false, AUTH always succeeds and binds the name (upstream crashed on AUTH when auth was
 * disabled). With it on, the password is checked against the user's stored hash, or for the bootstrap admin against
 * the configuration. A wrong password or unknown user answers {@code success = 0} (both SDKs raise their
 * authentication error on it) with the same text and, thanks to {@link PasswordHasher#verifyNobody}, the same time;
 * a disabled user is told so. The AUTH response carries no roles: a non-empty role list cannot be decoded by both
 * SDKs; WHOAMI carries roles and permissions in the layout both read. A failed AUTH leaves an earlier login of the
 * connection in place, as upstream does.
 *
 * <p>Failures are throttled ({@link LoginThrottle}), counted in {@code flymq_auth_login_failures_total{reason}},
 * audited and logged at most once per 10 s, with the user name cut to 64 printable characters and never the
 * password.
 */
public final class AuthRequests {
    private static final System.Logger LOG = System.getLogger(AuthRequests.class.getName());

    private final Authorizer authorizer;
    private final PasswordHasher hasher;
    private final AuditTrail audit;
    private final BrokerListener listener;
    private final LoginThrottle throttle = new LoginThrottle();
    private final ThrottledLog failures = new ThrottledLog(LOG, System.Logger.Level.WARNING,
            TimeUnit.SECONDS.toNanos(10));

    private final NodeLogin nodes;

    public AuthRequests(Authorizer authorizer, PasswordHasher hasher, AuditTrail audit, BrokerListener listener) {
        this(authorizer, hasher, audit, listener, NodeLogin.NONE);
    }

    /** @param nodes how other cluster nodes log in ({@link NodeLogin}; {@link NodeLogin#NONE}: they cannot) */
    public AuthRequests(Authorizer authorizer, PasswordHasher hasher, AuditTrail audit, BrokerListener listener,
                        NodeLogin nodes) {
        this.nodes = nodes;
        this.authorizer = authorizer;
        this.hasher = hasher;
        this.audit = audit;
        this.listener = listener;
    }

    public void auth(Session session, PayloadReader in, PayloadWriter out) {
        AuthRequest r = AuthRequest.read(in);
        String user = r.username();
        if (!authorizer.enabled()) {
            session.authenticate(user);
            new AuthResponse(true, user, List.of(), "").write(out);
            return;
        }
        long now = System.currentTimeMillis();
        String refusal = throttle.refusal(session, now);
        if (refusal != null) {
            refuse(session, user, "throttled", refusal);
            throw new RequestException(refusal);
        }
        if (NodeLogin.isNodeUser(user)) {
            nodeLogin(session, r, now, out);
            return;
        }
        String failure = check(user, r.password());
        if (failure != null) {
            long delayMs = throttle.failed(session, now);
            refuse(session, user, reason(failure), failure);
            pause(delayMs);
            new AuthResponse(false, user, List.of(), "").write(out);
            return;
        }
        throttle.succeeded(session);
        session.authenticate(user);
        audit.record("auth.success", session, user, "", "authenticate", "success", Map.of());
        new AuthResponse(true, user, List.of(), "").write(out);
    }

    /**
     * A cluster node's login ({@link NodeLogin}): an empty password asks for a challenge, which the answer that
     * follows must prove the cluster secret over. A wrong answer, an answer without a challenge, or any node login
     * on a node without the cluster secret counts as a failed login.
     */
    private void nodeLogin(Session session, AuthRequest r, long now, PayloadWriter out) {
        String user = r.username();
        if (nodes.enabled() && r.password().isEmpty()) {
            byte[] challenge = nodes.challenge();
            session.nodeChallenge(challenge);
            new AuthResponse(false, user, List.of(), NodeLogin.challengeText(challenge)).write(out);
            return;
        }
        if (!nodes.verify(user, session.takeNodeChallenge(), r.password())) {
            String failure = nodes.enabled() ? "invalid node login" : "node logins need the cluster secret";
            long delayMs = throttle.failed(session, now);
            refuse(session, user, "bad_credentials", failure);
            pause(delayMs);
            new AuthResponse(false, user, List.of(), "").write(out);
            return;
        }
        throttle.succeeded(session);
        session.authenticateNode(user);
        audit.record("auth.success", session, user, "", "authenticate", "success", Map.of("node", "true"));
        new AuthResponse(true, user, List.of(), "").write(out);
    }

    /**
     * A login outside the binary protocol (the admin API's Basic authentication): the user when the password is
     * right and the user enabled, else null (counted and audited like a failed AUTH).
     */
    public User verify(String name, String password) {
        String failure = check(name, password);
        if (failure != null) {
            listener.loginFailed(reason(failure));
            audit.record("auth.failure", null, name, "", "admin_api", "failure", Map.of("reason", failure));
            return null;
        }
        return authorizer.user(name);
    }

    /** Null when the password is right and the user enabled, else upstream's failure text. */
    private String check(String name, String password) {
        User stored = authorizer.store().user(name).orElse(null);
        boolean bootstrap = authorizer.bootstrapAdmin() != null && authorizer.bootstrapAdmin().name().equals(name);
        boolean ok;
        if (stored != null) {
            // a stored user shadows the bootstrap admin, whose configured password keeps working as a way back in
            ok = !stored.passwordHash().isEmpty() && hasher.verify(password, stored.passwordHash())
                    || bootstrap && BootstrapPassword.matches(authorizer.settings(), password);
        } else if (bootstrap) {
            ok = BootstrapPassword.matches(authorizer.settings(), password);
        } else {
            hasher.verifyNobody(password);
            ok = false;
        }
        if (!ok) {
            return "invalid username or password";
        }
        User user = stored != null ? stored : authorizer.bootstrapAdmin();
        return user.enabled() ? null : AccessDeniedException.DISABLED;
    }

    private static String reason(String failure) {
        return failure.equals(AccessDeniedException.DISABLED) ? "disabled" : "bad_credentials";
    }

    private void refuse(Session session, String user, String reason, String text) {
        listener.loginFailed(reason);
        audit.record("auth.failure", session, user, "", "authenticate", "failure", Map.of("reason", text));
        failures.log("login failed for user '" + printable(user) + "' from " + session.clientIp() + ": " + text);
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static void pause(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms); // the connection's own thread: other connections are not held up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void whoami(Session session, PayloadReader in, PayloadWriter out) {
        if (!session.authenticated()) {
            new WhoAmIResponse(false, "", List.of(), List.of()).write(out);
            return;
        }
        User user = authorizer.enabled() ? authorizer.user(session.user()) : null;
        if (user == null) {
            new WhoAmIResponse(true, session.user(), List.of(), List.of()).write(out);
        } else {
            new WhoAmIResponse(true, user.name(), user.roles(),
                    user.permissions().stream().map(Permission::wire).toList()).write(out);
        }
    }
}
