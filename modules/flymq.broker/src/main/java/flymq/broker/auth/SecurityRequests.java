package flymq.broker.auth;

import flymq.broker.audit.AuditTrail;
import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.AclInfo;
import flymq.protocol.message.AclListResponse;
import flymq.protocol.message.AclSetRequest;
import flymq.protocol.message.NameRequest;
import flymq.protocol.message.NamedResult;
import flymq.protocol.message.RoleListResponse;
import flymq.protocol.message.UserInfo;
import flymq.protocol.message.UserListResponse;
import flymq.protocol.message.UserRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The user opcodes USER_CREATE..USER_GET 0x73-0x77 and PASSWORD_CHANGE 0x7C, the ACL opcodes 0x78-0x7B and
 * ROLE_LIST 0x7D (wire spec section 11). Who may call them is decided before they run ({@link AccessRules}: admin,
 * PASSWORD_CHANGE also the user itself, ROLE_LIST anyone); here they validate, hash passwords, and hand the change
 * to {@link SecurityChanges} (the store on one node, the metadata Raft group in a cluster). Changes are refused while
 * {@code auth.enabled} is false, so that a broker without authentication cannot be handed users that a later
 * restart with authentication would trust. Every change, and every refused one, is audited without passwords.
 *
 * <p>The bootstrap admin is listed and can be read, but lives in the configuration: deleting it is refused with a
 * hint; updating it or changing its password stores a user of that name, which from then on takes its place.
 */
public final class SecurityRequests {
    private final Authorizer authorizer;
    private final PasswordHasher hasher;
    private final SecurityChanges changes;
    private final AuditTrail audit;

    public SecurityRequests(Authorizer authorizer, PasswordHasher hasher, SecurityChanges changes, AuditTrail audit) {
        this.authorizer = authorizer;
        this.hasher = hasher;
        this.changes = changes;
        this.audit = audit;
    }

    public void createUser(Session session, PayloadReader in, PayloadWriter out) {
        requireEnabled();
        UserRequest r = UserRequest.read(in);
        requireName(r.username(), "user name");
        if (NodeLogin.isNodeUser(r.username())) {
            throw new RequestException("user names starting with '" + NodeLogin.USER_PREFIX + "' are reserved for "
                    + "cluster nodes");
        }
        if (r.password().isEmpty()) {
            throw new RequestException("username and password are required: the password of user '" + r.username()
                    + "' is empty");
        }
        List<String> roles = requireRoles(r.roles());
        if (authorizer.store().user(r.username()).isPresent()) {
            throw failed(session, "user.create", r.username(), "user '" + r.username() + "' already exists");
        }
        long now = System.currentTimeMillis();
        User user = new User(r.username(), hasher.hash(r.password()), roles, true, now, now);
        changes.submit(new SecurityChange.PutUser(user));
        audit.record("user.create", session, null, user.name(), "user_create", "success",
                Map.of("roles", String.join(",", roles)));
        info(user).write(out);
    }

    public void deleteUser(Session session, PayloadReader in, PayloadWriter out) {
        requireEnabled();
        String name = NameRequest.read(in).name();
        if (authorizer.store().user(name).isEmpty()) {
            throw failed(session, "user.delete", name, "user '" + name + "' not found" + (isBootstrap(name)
                    ? " (the bootstrap admin is configured, not stored: remove auth.admin_password to remove it)"
                    : ""));
        }
        changes.submit(new SecurityChange.DeleteUser(name));
        audit.record("user.delete", session, null, name, "user_delete", "success", Map.of());
        new NamedResult(true, name).write(out);
    }

    public void updateUser(Session session, PayloadReader in, PayloadWriter out) {
        requireEnabled();
        UserRequest r = UserRequest.read(in);
        User current = requireUser(session, "user.update", r.username());
        List<String> roles = r.roles().isEmpty() ? current.roles() : requireRoles(r.roles());
        User updated = new User(current.name(), current.passwordHash(), roles, r.enabled(), current.createdMs(),
                System.currentTimeMillis());
        changes.submit(new SecurityChange.PutUser(updated));
        audit.record("user.update", session, null, updated.name(), "user_update", "success",
                Map.of("roles", String.join(",", roles), "enabled", Boolean.toString(r.enabled())));
        new NamedResult(true, updated.name()).write(out);
    }

    /** Stored users and the bootstrap admin (unless a stored user has its name), sorted by name. */
    public void listUsers(Session session, PayloadReader in, PayloadWriter out) {
        List<UserInfo> users = new ArrayList<>();
        User bootstrap = authorizer.bootstrapAdmin();
        boolean bootstrapPending = bootstrap != null && authorizer.store().user(bootstrap.name()).isEmpty();
        for (User u : authorizer.store().users()) {
            if (bootstrapPending && bootstrap.name().compareTo(u.name()) < 0) {
                users.add(info(bootstrap));
                bootstrapPending = false;
            }
            users.add(info(u));
        }
        if (bootstrapPending) {
            users.add(info(bootstrap));
        }
        new UserListResponse(users).write(out);
    }

    public void getUser(Session session, PayloadReader in, PayloadWriter out) {
        String name = NameRequest.read(in).name();
        User u = authorizer.user(name);
        if (u == null) {
            throw new RequestException("user '" + name + "' not found");
        }
        info(u).write(out);
    }

    /** Users changing their own password must give the current one; an admin changing another's need not. */
    public void changePassword(Session session, PayloadReader in, PayloadWriter out) {
        requireEnabled();
        UserRequest r = UserRequest.read(in);
        User current = requireUser(session, "user.password", r.username());
        if (r.password().isEmpty()) {
            throw new RequestException("the new password of user '" + r.username() + "' is empty");
        }
        boolean self = session.authenticated() && session.user().equals(r.username());
        if (self && !matchesCurrent(current, r.oldPassword())) {
            throw failed(session, "user.password", r.username(), "invalid current password");
        }
        User updated = new User(current.name(), hasher.hash(r.password()), current.roles(), current.enabled(),
                current.createdMs(), System.currentTimeMillis());
        changes.submit(new SecurityChange.PutUser(updated));
        audit.record("user.password", session, null, updated.name(), "password_change", "success",
                Map.of("self", Boolean.toString(self)));
        new NamedResult(true, updated.name()).write(out);
    }

    public void setAcl(Session session, PayloadReader in, PayloadWriter out) {
        requireEnabled();
        AclSetRequest r = AclSetRequest.read(in);
        requireName(r.topic(), "topic");
        TopicAcl acl = new TopicAcl(r.topic(), r.isPublic(), r.users(), r.roles());
        changes.submit(new SecurityChange.PutAcl(acl));
        audit.record("acl.set", session, null, acl.topic(), "acl_set", "success",
                Map.of("public", Boolean.toString(acl.isPublic()), "users", String.join(",", acl.users()),
                        "roles", String.join(",", acl.roles())));
        new NamedResult(true, acl.topic()).write(out);
    }

    public void getAcl(Session session, PayloadReader in, PayloadWriter out) {
        String topic = NameRequest.read(in).name();
        boolean defaultPublic = authorizer.settings().defaultPublic();
        TopicAcl acl = authorizer.store().acl(topic).orElse(null);
        if (acl == null) {
            new AclInfo(topic, false, defaultPublic, defaultPublic, List.of(), List.of()).write(out);
        } else {
            new AclInfo(topic, true, acl.isPublic(), defaultPublic, acl.users(), acl.roles()).write(out);
        }
    }

    /** Deleting an ACL that does not exist succeeds (the topic already follows the default). */
    public void deleteAcl(Session session, PayloadReader in, PayloadWriter out) {
        requireEnabled();
        String topic = NameRequest.read(in).name();
        if (authorizer.store().acl(topic).isPresent()) {
            changes.submit(new SecurityChange.DeleteAcl(topic));
            audit.record("acl.delete", session, null, topic, "acl_delete", "success", Map.of());
        }
        new NamedResult(true, topic).write(out);
    }

    public void listAcls(Session session, PayloadReader in, PayloadWriter out) {
        List<AclListResponse.Entry> entries = authorizer.store().acls().stream()
                .map(a -> new AclListResponse.Entry(a.topic(), true, a.isPublic(), a.users(), a.roles()))
                .toList();
        new AclListResponse(entries, authorizer.settings().defaultPublic()).write(out);
    }

    public void listRoles(Session session, PayloadReader in, PayloadWriter out) {
        new RoleListResponse(Role.BUILT_IN.values().stream()
                .map(r -> new RoleListResponse.Role(r.name(), r.permissionNames(), r.description()))
                .toList()).write(out);
    }

    private void requireEnabled() {
        if (!authorizer.enabled()) {
            throw new RequestException("authentication is off (auth.enabled = false): users and ACLs can be changed"
                    + " only while it is on");
        }
    }

    private boolean matchesCurrent(User user, String password) {
        return !user.passwordHash().isEmpty() && hasher.verify(password, user.passwordHash())
                || isBootstrap(user.name()) && BootstrapPassword.matches(authorizer.settings(), password);
    }

    private boolean isBootstrap(String name) {
        return authorizer.bootstrapAdmin() != null && authorizer.bootstrapAdmin().name().equals(name);
    }

    private User requireUser(Session session, String type, String name) {
        User u = authorizer.user(name);
        if (u == null) {
            throw failed(session, type, name, "user '" + name + "' not found");
        }
        return u;
    }

    private RequestException failed(Session session, String type, String resource, String message) {
        audit.record(type, session, null, resource, type.replace('.', '_'), "failure", Map.of("error", message));
        return new RequestException(message);
    }

    private static void requireName(String name, String what) {
        if (name.isEmpty()) {
            throw new RequestException("the " + what + " is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new RequestException("the " + what + " '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' holds a control character");
            }
        }
    }

    private static List<String> requireRoles(List<String> roles) {
        for (String r : roles) {
            if (!Role.BUILT_IN.containsKey(r)) {
                throw new RequestException("unknown role '" + r + "': the roles are " + Role.BUILT_IN.keySet());
            }
        }
        return List.copyOf(new LinkedHashSet<>(roles));
    }

    private static UserInfo info(User u) {
        return new UserInfo(u.name(), u.roles(), u.permissions().stream().map(Permission::wire).toList(),
                u.enabled(), u.createdMs() / 1000, u.updatedMs() / 1000);
    }
}
