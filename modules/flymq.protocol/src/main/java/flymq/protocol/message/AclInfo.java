package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * ACL_GET 0x79 response (wire spec section 11): {@code str16 topic · bool exists · bool public ·
 * bool default_public · list<str16> users · list<str16> roles}. A topic without an ACL answers {@code exists} false
 * and {@code public} equal to {@code default_public}, which is what then decides its access.
 */
public record AclInfo(String topic, boolean exists, boolean isPublic, boolean defaultPublic, List<String> users,
                      List<String> roles) implements WireMessage {
    public AclInfo {
        users = List.copyOf(users);
        roles = List.copyOf(roles);
    }

    public static AclInfo read(PayloadReader in) {
        return new AclInfo(in.str16("topic"), in.bool("exists"), in.bool("public"), in.bool("default_public"),
                Lists.readStrings(in, "users"), Lists.readStrings(in, "roles"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).bool(exists).bool(isPublic).bool(defaultPublic);
        Lists.writeStrings(out, users);
        Lists.writeStrings(out, roles);
    }

    @Override
    public int sizeHint() {
        return 5 + topic.length() * 3 + Lists.size(users) + Lists.size(roles);
    }
}
