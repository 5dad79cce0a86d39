package flymq.broker.auth;

import flymq.broker.BrokerConfig;
import flymq.broker.server.Session;
import java.util.List;

/**
 * The decisions of wire spec 10.3 over the users and ACLs of the {@link SecurityStore}.
 *
 * <p>A topic is public when its ACL says so, or when it has none and {@code auth.default_public} is true. Public
 * topics may be read and written by every logged-in user, and by anonymous connections when
 * {@code auth.allow_anonymous} is true. Any other topic needs the permission through a role, or the user (or one of
 * its roles) listed in the topic's ACL. Admin operations need the admin permission. A user deleted or disabled after
 * logging in loses access at its next request: the session holds only the name, and every check looks the user up.
 *
 * <p>The bootstrap admin ({@code auth.admin_username} with {@code auth.admin_password} set) is a user with role
 * admin that lives in the configuration, not in the store: it exists on every node from the first start, which is
 * how the first real users get created, and a stored user of the same name takes its place.
 */
public final class Authorizer {
    private final BrokerConfig.Auth settings;
    private final SecurityStore store;
    private final User bootstrapAdmin;

    public Authorizer(BrokerConfig.Auth settings, SecurityStore store) {
        this.settings = settings;
        this.store = store;
        this.bootstrapAdmin = settings.adminPassword().isEmpty() || settings.adminUsername().isEmpty() ? null
                : new User(settings.adminUsername(), "", List.of(Role.ADMIN.name()), true, 0, 0);
    }

    public boolean enabled() {
        return settings.enabled();
    }

    public BrokerConfig.Auth settings() {
        return settings;
    }

    public SecurityStore store() {
        return store;
    }

    /** The stored user, else the bootstrap admin when the name is its, else null. */
    public User user(String name) {
        User u = store.userOrNull(name);
        if (u == null && bootstrapAdmin != null && bootstrapAdmin.name().equals(name)) {
            return bootstrapAdmin;
        }
        return u;
    }

    /** The configured bootstrap admin, or null when no admin password is configured. */
    public User bootstrapAdmin() {
        return bootstrapAdmin;
    }

    public boolean isPublic(String topic) {
        TopicAcl acl = store.aclOrNull(topic);
        return acl == null ? settings.defaultPublic() : acl.isPublic();
    }

    public void requireTopic(Session session, String topic, Permission permission) {
        TopicAcl acl = store.aclOrNull(topic);
        boolean open = acl == null ? settings.defaultPublic() : acl.isPublic();
        String what = permission.wire() + " on topic '" + topic + "'";
        if (!session.authenticated()) {
            if (!open || !settings.allowAnonymous()) {
                throw new AccessDeniedException(AccessDeniedException.AUTHENTICATION_REQUIRED,
                        what + " needs a login (AUTH)" + (open ? "; anonymous access is off" : ""));
            }
            return;
        }
        User user = known(session, what);
        if (!open && !user.has(permission) && (acl == null || !acl.lists(user))) {
            throw new AccessDeniedException(AccessDeniedException.UNAUTHORIZED,
                    what + " denied to user '" + user.name() + "' (roles " + user.roles() + ")");
        }
    }

    public void requireAdmin(Session session, String operation) {
        String what = operation + " needs the admin permission";
        if (!session.authenticated()) {
            throw new AccessDeniedException(AccessDeniedException.AUTHENTICATION_REQUIRED, what);
        }
        User user = known(session, what);
        if (!user.has(Permission.ADMIN)) {
            throw new AccessDeniedException(AccessDeniedException.UNAUTHORIZED,
                    what + ", which user '" + user.name() + "' lacks (roles " + user.roles() + ")");
        }
    }

    private User known(Session session, String what) {
        if (session.node()) {
            // another node, which checked its own client's request before forwarding it (NodeLogin)
            return new User(session.user(), "", List.of(Role.ADMIN.name()), true, 0, 0);
        }
        User user = user(session.user());
        if (user == null) {
            throw new AccessDeniedException(AccessDeniedException.UNAUTHORIZED,
                    what + ": user '" + session.user() + "' no longer exists");
        }
        if (!user.enabled()) {
            throw new AccessDeniedException(AccessDeniedException.DISABLED,
                    what + ": user '" + user.name() + "' is disabled");
        }
        return user;
    }
}
