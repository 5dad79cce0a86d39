package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * DESCRIBE_GROUP 0x63 request (wire spec 4.12) in its two forms: Python/Go send {@code str16 topic · str16 group_id}
 * (answered with a {@link GroupSummary}); the Java SDK sends only {@code str16 group_id} (answered with a
 * {@link GroupDescription}).
 *
 * @param topic null for the Java SDK's form
 */
public record DescribeGroupRequest(String topic, String group) implements WireMessage {

    public boolean javaForm() {
        return topic == null;
    }

    public static DescribeGroupRequest read(PayloadReader in) {
        String first = in.str16("group_id");
        if (!in.hasRemaining()) {
            return new DescribeGroupRequest(null, first);
        }
        return new DescribeGroupRequest(first, in.str16("group_id"));
    }

    @Override
    public void write(PayloadWriter out) {
        if (topic != null) {
            out.str16(topic);
        }
        out.str16(group);
    }

    @Override
    public int sizeHint() {
        return ((topic == null ? 0 : topic.length()) + group.length()) * 3 + 4;
    }
}
