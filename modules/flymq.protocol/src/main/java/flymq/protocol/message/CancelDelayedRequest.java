package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CANCEL_DELAYED 0x31 request, our layout (upstream names the opcode and serves nothing): {@code str16 topic ·
 * i64 delay_id}, where {@code delay_id} is the {@code offset} field of the PRODUCE_DELAYED answer. Answered with a
 * {@link CancelDelayedResponse}.
 */
public record CancelDelayedRequest(String topic, long delayId) implements WireMessage {

    public static CancelDelayedRequest read(PayloadReader in) {
        return new CancelDelayedRequest(in.str16("topic"), in.i64("delay_id"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i64(delayId);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 10;
    }
}
