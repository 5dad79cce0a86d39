package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * AUTH 0x70 request (wire spec 4.16): {@code str16 username · str16 password}; answered with AUTH_RESPONSE 0x71,
 * an {@link AuthResponse}.
 */
public record AuthRequest(String username, String password) implements WireMessage {
    public AuthRequest {
        password = password == null ? "" : password;
    }

    public static AuthRequest read(PayloadReader in) {
        return new AuthRequest(in.str16("username"), in.str16("password"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(username).str16(password);
    }

    @Override
    public int sizeHint() {
        return (username.length() + password.length()) * 3 + 4;
    }

    @Override
    public String toString() {
        return "AuthRequest[username=" + username + ", password=***]";
    }
}
