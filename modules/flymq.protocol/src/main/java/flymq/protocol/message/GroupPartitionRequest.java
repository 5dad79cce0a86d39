package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * {@code str16 topic · str16 group_id · i32 partition}: the request of GET_OFFSET 0x60 (answered with an
 * {@link OffsetResponse}) and GET_LAG 0x64 (answered with a {@link LagResponse}).
 */
public record GroupPartitionRequest(String topic, String group, int partition) implements WireMessage {
    public GroupPartitionRequest {
        group = group == null ? "" : group;
    }

    public static GroupPartitionRequest read(PayloadReader in) {
        return new GroupPartitionRequest(in.str16("topic"), in.str16("group_id"), in.i32("partition"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).str16(group).i32(partition);
    }

    @Override
    public int sizeHint() {
        return (topic.length() + group.length()) * 3 + 8;
    }
}
