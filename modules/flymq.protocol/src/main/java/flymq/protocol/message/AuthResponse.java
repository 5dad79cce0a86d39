package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * AUTH_RESPONSE 0x71 (wire spec 4.16, compatibility facts): {@code bool success · str16 username · u32 n · n ×
 * str8 role · str16 error} (the Go layout). With no roles and no error it is written as {@code bool · str16 user ·
 * u32 0 · u32 0}, which every SDK decodes: the Java SDK reads the second zero as "0 permissions", Python and Go as
 * an empty error text plus two ignored bytes. Reading takes the error when at least its length is there.
 */
public record AuthResponse(boolean success, String username, List<String> roles, String error)
        implements WireMessage {
    public AuthResponse {
        roles = List.copyOf(roles);
        error = error == null ? "" : error;
    }

    public static AuthResponse read(PayloadReader in) {
        boolean ok = in.bool("success");
        String user = in.str16("username");
        int n = in.count("role", 1);
        List<String> roles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            roles.add(in.str8("role"));
        }
        String error = in.remaining() >= 2 ? in.str16("error") : "";
        return new AuthResponse(ok, user, roles, error);
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(success).str16(username).u32(roles.size());
        for (String role : roles) {
            out.str8(role);
        }
        if (error.isEmpty()) {
            out.u32(0);
        } else {
            out.str16(error);
        }
    }

    @Override
    public int sizeHint() {
        return (username.length() + error.length()) * 3 + 16 + roles.size() * 16;
    }
}
