package flymq.broker.dlq;

import flymq.broker.server.HandlerRegistry;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.WireMessage;

/**
 * Requests the dead-letter queues make of their own node, through the node's registered handlers: a produce into
 * a queue, a fetch of an origin record, a topic create or delete. Going through the handlers instead of the logs is
 * what makes the queues work unchanged in a cluster: there the handlers route each request to the partition's
 * leader, or the metadata group, as they do for a client. A failure comes back as the handler's
 * {@link flymq.protocol.RequestException}.
 */
final class InternalCalls {
    private final HandlerRegistry handlers;
    private final Session session = new Session("flymq-dlq");

    InternalCalls(HandlerRegistry handlers) {
        this.handlers = handlers;
    }

    /** Runs {@code opcode}'s handler on {@code request}; the answer's payload. */
    PayloadReader call(int opcode, WireMessage request) {
        PayloadWriter in = new PayloadWriter(request.sizeHint());
        request.write(in);
        return call(opcode, in.toPayload());
    }

    PayloadReader call(int opcode, byte[] payload) {
        RequestHandler h = handlers.handler(opcode);
        if (h == null) {
            throw new IllegalStateException("no handler for " + Opcodes.name(opcode));
        }
        PayloadWriter out = new PayloadWriter(256);
        h.handle(session, new PayloadReader(payload), out);
        return new PayloadReader(out.toPayload());
    }
}
