package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * ACL_SET 0x78 request (wire spec section 11): {@code str16 topic · bool public · list<str16> users ·
 * list<str16> roles}. Replaces the topic's whole ACL; answered with a {@link NamedResult} naming the topic.
 */
public record AclSetRequest(String topic, boolean isPublic, List<String> users, List<String> roles)
        implements WireMessage {
    public AclSetRequest {
        users = List.copyOf(users);
        roles = List.copyOf(roles);
    }

    public static AclSetRequest read(PayloadReader in) {
        return new AclSetRequest(in.str16("topic"), in.bool("public"), Lists.readStrings(in, "users"),
                Lists.readStrings(in, "roles"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).bool(isPublic);
        Lists.writeStrings(out, users);
        Lists.writeStrings(out, roles);
    }

    @Override
    public int sizeHint() {
        return 3 + topic.length() * 3 + Lists.size(users) + Lists.size(roles);
    }
}
