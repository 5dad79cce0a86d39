package flymq.client;

import java.util.List;

/** The answer to AUTH (or WHOAMI): whether the connection is authenticated, as whom, with which roles. */
public record AuthResult(boolean success, String username, List<String> roles, List<String> permissions,
                         String error) {
    public AuthResult {
        roles = List.copyOf(roles);
        permissions = List.copyOf(permissions);
    }
}
