package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * {@code bool success · str16 name}: the answer of USER_DELETE 0x74, USER_UPDATE 0x75, PASSWORD_CHANGE 0x7C (the
 * user) and ACL_SET 0x78, ACL_DELETE 0x7A (the topic), wire spec section 11. Failures are structured ERROR frames,
 * so a written result always has {@code success} set.
 */
public record NamedResult(boolean success, String name) implements WireMessage {

    public static NamedResult read(PayloadReader in) {
        return new NamedResult(in.bool("success"), in.str16("name"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(success).str16(name);
    }

    @Override
    public int sizeHint() {
        return 3 + name.length() * 3;
    }
}
