package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * {@code str16 name}: the request of USER_DELETE 0x74 and USER_GET 0x77 (a user name) and of ACL_GET 0x79 and
 * ACL_DELETE 0x7A (a topic name), wire spec section 11.
 */
public record NameRequest(String name) implements WireMessage {

    public static NameRequest read(PayloadReader in) {
        return new NameRequest(in.str16("name"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(name);
    }

    @Override
    public int sizeHint() {
        return 2 + name.length() * 3;
    }
}
