package flymq.broker.server;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A handler whose response ends with stored record bytes: it encodes the head of the response into
 * {@code response} and adds the slices that follow it to {@code tail}; the connection sends the slices from their
 * files without copying them (see {@link ResponseTail}). A handler must not add slices before it is sure of its
 * answer: an exception discards the tail and answers ERROR.
 */
public interface FileRegionHandler extends RequestHandler {

    void handle(Session session, PayloadReader request, PayloadWriter response, ResponseTail tail);

    /** For a caller that can only send a buffer: the slices are copied behind the payload. */
    @Override
    default void handle(Session session, PayloadReader request, PayloadWriter response) {
        ResponseTail tail = new ResponseTail();
        handle(session, request, response, tail);
        try {
            tail.copyInto(response);
        } catch (IOException e) {
            throw new UncheckedIOException("copying stored records into the response: " + e.getMessage(), e);
        }
    }
}
