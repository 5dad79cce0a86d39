package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * FETCH_DLQ 0x20 request (wire spec 11): {@code str16 topic · i32 max_messages}. {@code topic} is the origin topic
 * (the queue is {@code topic + dlq.topic_suffix}); a {@code max} of 0 or less asks for the broker's default.
 */
public record DlqFetchRequest(String topic, int max) implements WireMessage {

    public static DlqFetchRequest read(PayloadReader in) {
        return new DlqFetchRequest(in.str16("topic"), in.i32("max_messages"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(max);
    }
}
