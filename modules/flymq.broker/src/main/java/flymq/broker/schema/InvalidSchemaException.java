package flymq.broker.schema;

import flymq.protocol.RequestException;

/** A definition its format's library refuses (syntax, unknown type, unresolved reference). */
public final class InvalidSchemaException extends RequestException {
    public InvalidSchemaException(String message) {
        super(message);
    }
}
