package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * ACL_LIST 0x7B response (wire spec section 11): {@code u32 n · n × (str16 topic · bool exists · bool public ·
 * list<str16> users · list<str16> roles) · bool default_public}. Lists the topics that have an ACL; every other
 * topic follows {@code default_public}.
 */
public record AclListResponse(List<Entry> acls, boolean defaultPublic) implements WireMessage {
    /** The smallest entry: empty topic, two bools, two empty lists. */
    private static final int MIN_ENTRY_BYTES = 2 + 1 + 1 + 4 + 4;

    public AclListResponse {
        acls = List.copyOf(acls);
    }

    public static AclListResponse read(PayloadReader in) {
        int n = in.count("acls", MIN_ENTRY_BYTES);
        List<Entry> acls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            acls.add(new Entry(in.str16("topic"), in.bool("exists"), in.bool("public"),
                    Lists.readStrings(in, "users"), Lists.readStrings(in, "roles")));
        }
        return new AclListResponse(acls, in.bool("default_public"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(acls.size());
        for (Entry e : acls) {
            out.str16(e.topic()).bool(e.exists()).bool(e.isPublic());
            Lists.writeStrings(out, e.users());
            Lists.writeStrings(out, e.roles());
        }
        out.bool(defaultPublic);
    }

    @Override
    public int sizeHint() {
        int n = 5;
        for (Entry e : acls) {
            n += 4 + e.topic().length() * 3 + Lists.size(e.users()) + Lists.size(e.roles());
        }
        return n;
    }

    /** One topic's ACL. */
    public record Entry(String topic, boolean exists, boolean isPublic, List<String> users, List<String> roles) {
        public Entry {
            users = List.copyOf(users);
            roles = List.copyOf(roles);
        }
    }
}
