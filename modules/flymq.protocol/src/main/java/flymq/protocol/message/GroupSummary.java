package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * One (topic, group) in the Go/Python layout: {@code str16 topic · str16 group_id · u32 members · u32 k · k ×
 * (i32 partition · u64 committed_offset)}. An entry of {@link ListGroupsResponse}, and the DESCRIBE_GROUP 0x63
 * answer to the Go/Python request (wire spec 4.11, 4.12).
 */
public record GroupSummary(String topic, String group, int memberCount, List<PartitionOffset> offsets)
        implements WireMessage {
    public GroupSummary {
        offsets = List.copyOf(offsets);
    }

    public record PartitionOffset(int partition, long offset) {
    }

    public static GroupSummary read(PayloadReader in) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int members = in.i32("member_count");
        int n = in.count("offset", 12);
        List<PartitionOffset> offsets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            offsets.add(new PartitionOffset(in.i32("partition"), in.u64("committed offset")));
        }
        return new GroupSummary(topic, group, members, offsets);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).str16(group).u32(memberCount).u32(offsets.size());
        for (PartitionOffset o : offsets) {
            out.i32(o.partition()).u64(o.offset());
        }
    }

    @Override
    public int sizeHint() {
        return (topic.length() + group.length()) * 3 + 12 + offsets.size() * 12;
    }
}
