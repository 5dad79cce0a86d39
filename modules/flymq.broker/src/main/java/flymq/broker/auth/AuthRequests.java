package flymq.broker.auth;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.broker.server.Session;

/**
 * AUTH 0x70 (answered with 0x71) and WHOAMI 0x72 with authentication disabled, in the byte layouts that every
 * SDK decodes (wire spec 4.16 compat facts).
 *
 * <p>AUTH {@code str16 user · str16 password} → {@code bool 1 · str16 user · u32 0 · u32 0}: with no roles the
 * four zero bytes read as "0 permissions" in the Java SDK and as "empty error text" plus ignored bytes in Python
 * and Go. The user name is bound to the connection (upstream crashed on AUTH when auth was disabled).
 * <br>WHOAMI (empty) → {@code bool authenticated · str16 user · u32 0 roles · u32 0 permissions} (the Java layout,
 * which Python also decodes); an anonymous connection answers {@code 0 · "" · 0 · 0}.
 */
public final class AuthRequests {

    public void auth(Session session, PayloadReader in, PayloadWriter out) {
        String user = in.str16("username");
        in.str16("password");
        session.authenticate(user);
        out.bool(true).str16(user).u32(0).u32(0);
    }

    public void whoami(Session session, PayloadReader in, PayloadWriter out) {
        out.bool(session.authenticated()).str16(session.user()).u32(0).u32(0);
    }
}
