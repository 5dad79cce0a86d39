package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * SUBSCRIBE 0x05 request (wire spec 4.7): {@code str16 topic · str16 group_id · i32 partition · str8 mode}; mode is
 * {@code earliest}, {@code latest} or {@code commit}, and a request that ends before it has mode {@code ""}.
 * Answered with an {@link OffsetResponse}.
 */
public record SubscribeRequest(String topic, String group, int partition, String mode) implements WireMessage {
    public SubscribeRequest {
        group = group == null ? "" : group;
    }

    public static SubscribeRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int partition = in.i32("partition");
        String mode = in.hasRemaining() ? in.str8("mode") : "";
        return new SubscribeRequest(topic, group, partition, mode);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).str16(group).i32(partition).str8(mode);
    }

    @Override
    public int sizeHint() {
        return (topic.length() + group.length()) * 3 + 16;
    }
}
