package flymq.broker.server;

import flymq.protocol.Opcodes;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Opcode to handler table. Adding an opcode is one handler plus one {@link #register} line where the node is
 * assembled ({@code BrokerNode}). Registration happens before the server starts; lookups afterwards
 * are plain array reads. The {@link RequestGuard} sees every request before its handler (authorization) and, when
 * it asks to, after it succeeded (the audit trail).
 */
public final class HandlerRegistry {
    private final RequestHandler[] handlers = new RequestHandler[256];
    private final int[] responseOpcodes = new int[256];
    private RequestGuard guard = RequestGuard.OPEN;

    /** Sets the guard every connection consults; before the server starts. */
    public HandlerRegistry guard(RequestGuard g) {
        this.guard = Objects.requireNonNull(g, "guard");
        return this;
    }

    public RequestGuard guard() {
        return guard;
    }

    /** Every registered opcode, ascending. */
    public int[] opcodes() {
        return IntStream.range(0, handlers.length).filter(op -> handlers[op] != null).toArray();
    }

    /** Registers a handler whose response echoes the request opcode. */
    public HandlerRegistry register(int opcode, RequestHandler handler) {
        return register(opcode, opcode, handler);
    }

    /** Registers a handler answered with a different opcode (AUTH is answered with AUTH_RESPONSE). */
    public HandlerRegistry register(int opcode, int responseOpcode, RequestHandler handler) {
        if (opcode < 0 || opcode > 0xFE) {
            throw new IllegalArgumentException("opcode out of range: " + opcode);
        }
        if (handlers[opcode] != null) {
            throw new IllegalStateException("opcode " + Opcodes.name(opcode) + " is already registered");
        }
        handlers[opcode] = handler;
        responseOpcodes[opcode] = responseOpcode;
        return this;
    }

    /** The handler for {@code opcode}, or null. */
    public RequestHandler handler(int opcode) {
        return handlers[opcode];
    }

    public int responseOpcode(int opcode) {
        return responseOpcodes[opcode];
    }
}
