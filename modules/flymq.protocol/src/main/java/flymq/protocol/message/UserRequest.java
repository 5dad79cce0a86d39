package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * The request of USER_CREATE 0x73, USER_UPDATE 0x75 and PASSWORD_CHANGE 0x7C (wire spec section 11):
 * {@code str16 username · str16 password · str16 old_password · list<str16> roles · bool enabled}. Upstream uses
 * one layout for all three: create reads the password and roles, update the roles and {@code enabled} (an empty
 * role list keeps the current roles), password change the new password and, when users change their own, the
 * current one in {@code old_password}. A missing trailing {@code enabled} byte reads as false, as upstream's
 * decoder does.
 *
 * <p>{@link #toString()} hides both passwords, so a logged request never shows one.
 */
public record UserRequest(String username, String password, String oldPassword, List<String> roles, boolean enabled)
        implements WireMessage {
    public UserRequest {
        password = password == null ? "" : password;
        oldPassword = oldPassword == null ? "" : oldPassword;
        roles = List.copyOf(roles);
    }

    public static UserRequest read(PayloadReader in) {
        String user = in.str16("username");
        String password = in.str16("password");
        String old = in.str16("old_password");
        List<String> roles = Lists.readStrings(in, "roles");
        boolean enabled = in.remaining() >= 1 && in.bool("enabled");
        return new UserRequest(user, password, old, roles, enabled);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(username).str16(password).str16(oldPassword);
        Lists.writeStrings(out, roles);
        out.bool(enabled);
    }

    @Override
    public int sizeHint() {
        return (username.length() + password.length() + oldPassword.length()) * 3 + 7 + Lists.size(roles);
    }

    @Override
    public String toString() {
        return "UserRequest[username=" + username + ", password=***, oldPassword=***, roles=" + roles
                + ", enabled=" + enabled + "]";
    }
}
