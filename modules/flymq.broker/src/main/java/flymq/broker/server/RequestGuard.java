package flymq.broker.server;

import flymq.protocol.PayloadReader;

/**
 * What a connection asks before and after it runs a request's handler. {@link #admit} throws a
 * {@link flymq.protocol.RequestException} to refuse the request (answered with an ERROR frame, the handler never
 * runs); {@link #served} hears of the requests {@link #follows} names once their handler succeeded. Each gets its
 * own reader over the request's payload, so neither disturbs the handler's.
 *
 * <p>The server package defines the seam and knows nothing of users or roles: the auth package fills it
 * ({@code AccessGuard}), and a node without one runs {@link #OPEN}.
 */
public interface RequestGuard {
    /** Admits every request and follows none. */
    RequestGuard OPEN = (session, opcode, request) -> {
    };

    void admit(Session session, int opcode, PayloadReader request);

    /** Whether {@link #served} wants to hear of {@code opcode}; asked before the handler runs. */
    default boolean follows(int opcode) {
        return false;
    }

    default void served(Session session, int opcode, PayloadReader request) {
    }
}
