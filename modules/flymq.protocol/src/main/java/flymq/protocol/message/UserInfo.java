package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * UserInfo (wire spec section 11), the answer of USER_CREATE 0x73 and USER_GET 0x77 and the element of
 * USER_LIST 0x76: {@code str16 username · list<str16> roles · list<str16> permissions · bool enabled ·
 * i64 created · i64 updated}, times in Unix seconds. Never carries the password hash.
 */
public record UserInfo(String username, List<String> roles, List<String> permissions, boolean enabled,
                       long createdSeconds, long updatedSeconds) implements WireMessage {
    public UserInfo {
        roles = List.copyOf(roles);
        permissions = List.copyOf(permissions);
    }

    public static UserInfo read(PayloadReader in) {
        return new UserInfo(in.str16("username"), Lists.readStrings(in, "roles"),
                Lists.readStrings(in, "permissions"), in.bool("enabled"), in.i64("created"), in.i64("updated"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(username);
        Lists.writeStrings(out, roles);
        Lists.writeStrings(out, permissions);
        out.bool(enabled).i64(createdSeconds).i64(updatedSeconds);
    }

    @Override
    public int sizeHint() {
        return username.length() * 3 + 19 + Lists.size(roles) + Lists.size(permissions);
    }
}
