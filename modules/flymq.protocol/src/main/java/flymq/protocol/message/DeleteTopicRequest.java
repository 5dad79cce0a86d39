package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** DELETE_TOPIC 0x09 request (wire spec 4.4): {@code str16 topic · [u8 forwarded]}. */
public record DeleteTopicRequest(String topic, boolean forwarded) implements WireMessage {

    public static DeleteTopicRequest read(PayloadReader in) {
        return new DeleteTopicRequest(in.str16("topic"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 3;
    }
}
