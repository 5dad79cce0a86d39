package flymq.broker.auth;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in roles of wire spec 10.2: admin {read, write, admin}, producer {write}, consumer {read}, guest {}.
 * Roles are fixed, as upstream's are: ROLE_LIST only lists them, and a user names some of them. A role's permission
 * reaches every topic that is not public; public topics need none (see {@link Authorizer}).
 */
public record Role(String name, Set<Permission> permissions, String description) {
    public static final Role ADMIN = new Role("admin", EnumSet.allOf(Permission.class),
            "Full access: read, write and administer every topic, user, ACL and the cluster");
    public static final Role PRODUCER = new Role("producer", EnumSet.of(Permission.WRITE),
            "Write (produce) to every non-public topic");
    public static final Role CONSUMER = new Role("consumer", EnumSet.of(Permission.READ),
            "Read (consume) every non-public topic");
    public static final Role GUEST = new Role("guest", EnumSet.noneOf(Permission.class),
            "Public topics only, and topics whose ACL lists the user or one of its roles");

    /** By name, in ROLE_LIST's order. */
    public static final Map<String, Role> BUILT_IN;

    static {
        Map<String, Role> m = new LinkedHashMap<>();
        for (Role r : List.of(ADMIN, PRODUCER, CONSUMER, GUEST)) {
            m.put(r.name(), r);
        }
        BUILT_IN = Collections.unmodifiableMap(m);
    }

    public Role {
        permissions = permissions.isEmpty() ? EnumSet.noneOf(Permission.class) : EnumSet.copyOf(permissions);
    }

    public List<String> permissionNames() {
        return permissions.stream().map(Permission::wire).toList();
    }

    /** The union of the named roles' permissions; names that are not built-in roles grant nothing. */
    public static Set<Permission> permissionsOf(List<String> roles) {
        EnumSet<Permission> all = EnumSet.noneOf(Permission.class);
        for (String r : roles) {
            Role role = BUILT_IN.get(r);
            if (role != null) {
                all.addAll(role.permissions());
            }
        }
        return all;
    }
}
