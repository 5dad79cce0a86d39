package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * LIST_SCHEMAS 0x12 request (wire spec 11): {@code str16 filter}, or an empty payload (= no filter). A non-empty
 * filter lists the subjects bound to that topic ({@code TOPIC} and {@code TOPIC-value}), or else the subject of that
 * name.
 */
public record ListSchemasRequest(String filter) implements WireMessage {

    public static ListSchemasRequest read(PayloadReader in) {
        return new ListSchemasRequest(in.hasRemaining() ? in.str16("topic") : "");
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(filter);
    }
}
