package flymq.broker.schema;

import flymq.protocol.RequestException;

/** A registration refused by the subject's compatibility mode; the message names the version and the change. */
public final class IncompatibleSchemaException extends RequestException {
    public IncompatibleSchemaException(String message) {
        super(message);
    }
}
