package flymq.protocol.message;

import flymq.protocol.PayloadWriter;

/**
 * A request or response payload of one opcode. Each implementation is the one place that writes its layout
 * ({@link #write}) and, in a static {@code read(PayloadReader)}, reads it; a decoder throws only
 * {@link flymq.protocol.MalformedPayloadException} for bytes that do not fit the layout.
 */
public interface WireMessage {

    /** Appends this message's payload to {@code out}. */
    void write(PayloadWriter out);

    /** About how many payload bytes {@link #write} appends, to size a writer once. */
    default int sizeHint() {
        return 64;
    }
}
