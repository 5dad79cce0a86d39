package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/** USER_LIST 0x76 response (wire spec section 11): {@code u32 n · n × UserInfo}. */
public record UserListResponse(List<UserInfo> users) implements WireMessage {
    /** The smallest UserInfo: empty name, two empty lists, a bool and two i64. */
    private static final int MIN_USER_BYTES = 2 + 4 + 4 + 1 + 8 + 8;

    public UserListResponse {
        users = List.copyOf(users);
    }

    public static UserListResponse read(PayloadReader in) {
        int n = in.count("users", MIN_USER_BYTES);
        List<UserInfo> users = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            users.add(UserInfo.read(in));
        }
        return new UserListResponse(users);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(users.size());
        users.forEach(u -> u.write(out));
    }

    @Override
    public int sizeHint() {
        return 4 + users.stream().mapToInt(UserInfo::sizeHint).sum();
    }
}
