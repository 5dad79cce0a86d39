package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * COMMIT 0x06 request (wire spec 4.8): {@code str16 topic · str16 group_id · i32 partition · u64 offset ·
 * [u8 forwarded]}; {@code offset} is the next offset to read. Answered with a {@link SuccessResponse}.
 */
public record CommitRequest(String topic, String group, int partition, long offset, boolean forwarded)
        implements WireMessage {
    public CommitRequest {
        group = group == null ? "" : group;
    }

    public static CommitRequest read(PayloadReader in) {
        return new CommitRequest(in.str16("topic"), in.str16("group_id"), in.i32("partition"), in.u64("offset"),
                Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).str16(group).i32(partition).u64(offset);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return (topic.length() + group.length()) * 3 + 17;
    }
}
