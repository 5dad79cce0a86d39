package flymq.broker.auth;

import java.util.List;
import java.util.Set;

/**
 * A stored user: its password only as a {@link PasswordHasher} hash (empty for the configured bootstrap admin, whose
 * password is checked against the configuration), its roles, and whether it may log in. Times are Unix ms.
 * {@link #toString()} leaves the hash out.
 */
public record User(String name, String passwordHash, List<String> roles, boolean enabled, long createdMs,
                   long updatedMs) {
    public User {
        roles = List.copyOf(roles);
    }

    public Set<Permission> permissions() {
        return Role.permissionsOf(roles);
    }

    public boolean has(Permission p) {
        for (String r : roles) {
            Role role = Role.BUILT_IN.get(r);
            if (role != null && role.permissions().contains(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "User[" + name + ", roles=" + roles + ", enabled=" + enabled + "]";
    }
}
