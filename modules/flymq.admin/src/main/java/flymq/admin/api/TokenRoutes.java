package flymq.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.admin.AdminException;
import flymq.admin.Authenticator;
import flymq.admin.Authenticator.Access;
import flymq.admin.BearerTokens;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens for the API ({@code /api/v1/auth/token}): {@code POST} with HTTP Basic credentials issues one for
 * that user ({@code ttl_seconds} in the body, default {@value #DEFAULT_TTL_SECONDS}, at most
 * {@value #MAX_TTL_SECONDS}); {@code DELETE} revokes the token the request is made with, or the one in the body
 * ({@code {"token": ...}}) when it is the caller's own or the caller is an administrator. A token then stands for its
 * user wherever Basic credentials are accepted ({@code Authorization: Bearer fmq_...}).
 */
public final class TokenRoutes {
    public static final long DEFAULT_TTL_SECONDS = 3600;
    public static final long MAX_TTL_SECONDS = 86_400;
    static final String PATH = "/api/v1/auth/token";

    private TokenRoutes() {
    }

    public static List<Route> routes(Authenticator authenticator) {
        Route issue = new Route("POST", PATH, Access.READ, ApiRoutes.doc("Auth",
                "Issue a bearer token for the HTTP Basic caller (optional body {\"ttl_seconds\": N})", Map.of(), null,
                new Route.Response(201, "Token", "the token (shown only now) and when it expires"),
                new Route.Response(400, "Error", "not HTTP Basic credentials, a bad ttl_seconds, or auth is off"),
                new Route.Response(401, "Error", "wrong credentials")), call -> {
            requireAuth(authenticator);
            String authorization = call.header("Authorization").orElse("");
            if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                throw AdminException.badRequest("a token is issued for HTTP Basic credentials only");
            }
            long ttl = DEFAULT_TTL_SECONDS;
            if (call.request().content().hasEntity()) {
                JsonNode ttlNode = call.body().get("ttl_seconds");
                if (ttlNode != null && !ttlNode.isNull()) {
                    if (!ttlNode.canConvertToLong() || ttlNode.asLong() < 1 || ttlNode.asLong() > MAX_TTL_SECONDS) {
                        throw AdminException.badRequest("ttl_seconds must be 1.." + MAX_TTL_SECONDS);
                    }
                    ttl = ttlNode.asLong();
                }
            }
            BearerTokens.Issued t;
            try {
                t = authenticator.issueToken(authorization, ttl * 1000).orElseThrow(
                        () -> new AdminException(401, "unauthorized", "wrong credentials"));
            } catch (IllegalStateException full) {
                throw new AdminException(503, "unavailable", full.getMessage());
            }
            call.header("Cache-Control", "no-store");
            call.json(201, Json.obj("token", t.token(), "token_type", "Bearer", "user", t.user(),
                    "expires_in", ttl, "expires_at", Instant.ofEpochMilli(t.expiresAtMillis()).toString()));
        });
        Route revoke = new Route("DELETE", PATH, Access.READ, ApiRoutes.doc("Auth",
                "Revoke the request's bearer token, or the body's {\"token\": ...} (own, or any for an administrator)",
                Map.of(), null, new Route.Response(204, null, "revoked"),
                new Route.Response(403, "Error", "another user's token"),
                new Route.Response(404, "Error", "no such live token")), call -> {
            requireAuth(authenticator);
            String authorization = call.header("Authorization").orElse("");
            String token;
            if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                token = authorization.substring(7).trim();
            } else {
                JsonNode t = call.body().get("token");
                if (t == null || !t.isTextual() || t.asText().isBlank()) {
                    throw AdminException.badRequest("name the token to revoke: {\"token\": \"fmq_...\"} "
                            + "(or make the request with it as the bearer token)");
                }
                token = t.asText().trim();
                Optional<String> owner = authenticator.tokenUser(token);
                if (owner.isPresent() && !owner.get().equals(call.principal().name())
                        && !call.principal().isAdmin()) {
                    throw new AdminException(403, "forbidden", "user " + call.principal().name()
                            + " may revoke only its own tokens");
                }
            }
            if (!authenticator.revokeToken(token)) {
                throw AdminException.notFound("no such live token");
            }
            call.noContent();
        });
        return List.of(issue, revoke);
    }

    private static void requireAuth(Authenticator authenticator) {
        if (!authenticator.required()) {
            throw AdminException.badRequest("authentication is off on this broker (auth.enabled = false): "
                    + "requests need no token");
        }
    }
}
