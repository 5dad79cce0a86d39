package flymq.broker.auth;

import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.AuthRequest;
import flymq.protocol.message.AuthResponse;
import flymq.protocol.message.WhoAmIResponse;
import java.util.List;

/**
 * AUTH 0x70 (answered with 0x71) and WHOAMI 0x72 with authentication disabled, in the byte layouts that every
 * SDK decodes (wire spec 4.16 compat facts; the layouts are {@link AuthRequest}, {@link AuthResponse} and
 * {@link WhoAmIResponse}).
 *
 * <p>AUTH always succeeds, with no roles and no error; the user name is bound to the connection (upstream crashed on
 * AUTH when auth was disabled). WHOAMI answers with the connection's user, no roles and no permissions; an
 * anonymous connection answers {@code 0 · "" · 0 · 0}.
 */
public final class AuthRequests {

    public void auth(Session session, PayloadReader in, PayloadWriter out) {
        String user = AuthRequest.read(in).username();
        session.authenticate(user);
        new AuthResponse(true, user, List.of(), "").write(out);
    }

    public void whoami(Session session, PayloadReader in, PayloadWriter out) {
        new WhoAmIResponse(session.authenticated(), session.user(), List.of(), List.of()).write(out);
    }
}
