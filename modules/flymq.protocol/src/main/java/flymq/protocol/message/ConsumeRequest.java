package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CONSUME 0x02 and CONSUME_ZERO_COPY 0x0A request (wire spec 4.2): {@code str16 topic · i32 partition ·
 * u64 offset}.
 */
public record ConsumeRequest(String topic, int partition, long offset) implements WireMessage {

    public static ConsumeRequest read(PayloadReader in) {
        return new ConsumeRequest(in.str16("topic"), in.i32("partition"), in.u64("offset"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partition).u64(offset);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 14;
    }
}
