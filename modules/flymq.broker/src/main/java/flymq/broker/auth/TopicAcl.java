package flymq.broker.auth;

import java.util.List;

/**
 * One topic's access list (ACL_SET 0x78): public, or open to the listed users and to users holding one of the
 * listed roles, for reading and writing alike (as upstream: an ACL does not separate the two; roles do).
 */
public record TopicAcl(String topic, boolean isPublic, List<String> users, List<String> roles) {
    public TopicAcl {
        users = List.copyOf(users);
        roles = List.copyOf(roles);
    }

    public boolean lists(User user) {
        return users.contains(user.name()) || user.roles().stream().anyMatch(roles::contains);
    }
}
