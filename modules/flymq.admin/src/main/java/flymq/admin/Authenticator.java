package flymq.admin;

import java.util.Optional;

/**
 * Who is calling the admin API, from the request's {@code Authorization} header ({@code Basic ...} or
 * {@code Bearer ...}), and what they may do. The broker maps this onto its users and roles; while the broker has
 * no authentication, {@link #allowAll()} lets every caller do everything.
 */
public interface Authenticator {

    /** What a route needs: reads, changes to topics and groups, or administration of the node (users, ACLs). */
    enum Access { READ, WRITE, ADMIN }

    /** The caller. */
    record Principal(String name, boolean canWrite, boolean isAdmin) {
        public boolean permits(Access access) {
            return switch (access) {
                case READ -> true;
                case WRITE -> canWrite || isAdmin;
                case ADMIN -> isAdmin;
            };
        }
    }

    /** Whether callers must present credentials (false: every request acts as {@link #anonymous()}). */
    boolean required();

    /**
     * The caller named by {@code authorization} (the header's value, null when absent); empty when the credentials
     * are missing or wrong. Only called when {@link #required()}.
     */
    Optional<Principal> authenticate(String authorization);

    /**
     * Issues a bearer token ({@code POST /api/v1/auth/token}) to the user whose HTTP Basic credentials
     * {@code authorization} carries, valid for {@code ttlMillis}; empty when those credentials are wrong. Only Basic
     * credentials get a token: a token cannot extend itself.
     *
     * @throws AdminException 501 when this authenticator issues no tokens
     */
    default Optional<BearerTokens.Issued> issueToken(String authorization, long ttlMillis) {
        throw new AdminException(501, "not_implemented", "this server issues no bearer tokens");
    }

    /** The user a live bearer token stands for (without the {@code Bearer } prefix). */
    default Optional<String> tokenUser(String token) {
        return Optional.empty();
    }

    /** Revokes a bearer token; whether it was live. */
    default boolean revokeToken(String token) {
        return false;
    }

    /** The principal of requests when no credentials are required. */
    default Principal anonymous() {
        return new Principal("anonymous", true, true);
    }

    /** No authentication: every request may do everything (the broker's security is off). */
    static Authenticator allowAll() {
        return new Authenticator() {
            @Override
            public boolean required() {
                return false;
            }

            @Override
            public Optional<Principal> authenticate(String authorization) {
                return Optional.of(anonymous());
            }
        };
    }
}
