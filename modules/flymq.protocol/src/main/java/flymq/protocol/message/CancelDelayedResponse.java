package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CANCEL_DELAYED 0x31 response: {@code bool cancelled · str16 message}, in the {@code bool · str16} shape upstream
 * uses for its other yes/no answers. {@code cancelled} is false when the record was already delivered or cancelled,
 * or was never scheduled; the message says which.
 */
public record CancelDelayedResponse(boolean cancelled, String message) implements WireMessage {

    public static CancelDelayedResponse read(PayloadReader in) {
        return new CancelDelayedResponse(in.bool("cancelled"), in.str16("message"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(cancelled).str16(message);
    }

    @Override
    public int sizeHint() {
        return message.length() * 3 + 3;
    }
}
