package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * DELETE_GROUP 0x65 request (wire spec 4.14): {@code str16 topic · str16 group_id} (Python/Go: the group on one
 * topic) or {@code str16 group_id} (Java SDK: the group on every topic), then {@code [u8 forwarded]}. Answered with
 * a {@link SuccessResponse}.
 *
 * @param topic null for the Java SDK's form
 */
public record DeleteGroupRequest(String topic, String group, boolean forwarded) implements WireMessage {

    public boolean allTopics() {
        return topic == null;
    }

    public static DeleteGroupRequest read(PayloadReader in) {
        String first = in.str16("group_id");
        if (in.remaining() >= 2) {
            return new DeleteGroupRequest(first, in.str16("group_id"), Forwarded.read(in));
        }
        return new DeleteGroupRequest(null, first, Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        if (topic != null) {
            out.str16(topic);
        }
        out.str16(group);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return ((topic == null ? 0 : topic.length()) + group.length()) * 3 + 5;
    }
}
