package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * ROLE_LIST 0x7D response (wire spec section 11): {@code u32 n · n × (str16 name · list<str16> permissions ·
 * str16 description)}.
 */
public record RoleListResponse(List<Role> roles) implements WireMessage {
    /** The smallest role: empty name, empty list, empty description. */
    private static final int MIN_ROLE_BYTES = 2 + 4 + 2;

    public RoleListResponse {
        roles = List.copyOf(roles);
    }

    public static RoleListResponse read(PayloadReader in) {
        int n = in.count("roles", MIN_ROLE_BYTES);
        List<Role> roles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            roles.add(new Role(in.str16("name"), Lists.readStrings(in, "permissions"), in.str16("description")));
        }
        return new RoleListResponse(roles);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(roles.size());
        for (Role r : roles) {
            out.str16(r.name());
            Lists.writeStrings(out, r.permissions());
            out.str16(r.description());
        }
    }

    @Override
    public int sizeHint() {
        int n = 4;
        for (Role r : roles) {
            n += 4 + (r.name().length() + r.description().length()) * 3 + Lists.size(r.permissions());
        }
        return n;
    }

    /** One role as the wire carries it. */
    public record Role(String name, List<String> permissions, String description) {
        public Role {
            permissions = List.copyOf(permissions);
        }
    }
}
