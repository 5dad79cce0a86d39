package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** METADATA 0x04 request (our layout; upstream serves none): {@code str16 topic}. */
public record TopicMetadataRequest(String topic) implements WireMessage {

    public static TopicMetadataRequest read(PayloadReader in) {
        return new TopicMetadataRequest(in.str16("topic"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 2;
    }
}
