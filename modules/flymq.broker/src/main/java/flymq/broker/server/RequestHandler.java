package flymq.broker.server;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * Serves one opcode: decodes the request payload from {@code request} and encodes the response payload into
 * {@code response} (already reset). Throwing {@link flymq.protocol.RequestException} or
 * {@link flymq.protocol.MalformedPayloadException} turns the answer into an ERROR frame; bytes left unread
 * in the request are ignored (the Java SDK relies on that). Called on the connection's own thread, so a handler
 * may block (storage, fsync) without hurting other connections.
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(Session session, PayloadReader request, PayloadWriter response);
}
