package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.List;

/**
 * WHOAMI 0x72 response to an empty request (wire spec 4.16, the Java layout that Python also decodes):
 * {@code bool authenticated · str16 username · list<str16> roles · list<str16> permissions}; an anonymous
 * connection answers {@code 0 · "" · 0 · 0}. The lists are read only when present.
 */
public record WhoAmIResponse(boolean authenticated, String username, List<String> roles, List<String> permissions)
        implements WireMessage {
    public WhoAmIResponse {
        roles = List.copyOf(roles);
        permissions = List.copyOf(permissions);
    }

    public static WhoAmIResponse read(PayloadReader in) {
        boolean ok = in.bool("authenticated");
        String user = in.str16("username");
        List<String> roles = in.remaining() >= 4 ? Lists.readStrings(in, "roles") : List.of();
        List<String> perms = in.remaining() >= 4 ? Lists.readStrings(in, "permissions") : List.of();
        return new WhoAmIResponse(ok, user, roles, perms);
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(authenticated).str16(username);
        Lists.writeStrings(out, roles);
        Lists.writeStrings(out, permissions);
    }

    @Override
    public int sizeHint() {
        return username.length() * 3 + 3 + Lists.size(roles) + Lists.size(permissions);
    }
}
