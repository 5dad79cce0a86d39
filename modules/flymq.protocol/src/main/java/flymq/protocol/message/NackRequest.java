package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * DLQ_NACK 0xC8 request (our extension, docs/dlq.md): {@code str16 group · str16 topic · i32 partition ·
 * u64 offset · str16 error}: consumer group {@code group} failed to process the record at {@code topic/partition/
 * offset} for the reason {@code error}.
 */
public record NackRequest(String group, String topic, int partition, long offset, String error)
        implements WireMessage {

    public static NackRequest read(PayloadReader in) {
        return new NackRequest(in.str16("group"), in.str16("topic"), in.i32("partition"), in.u64("offset"),
                in.str16("error"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(group).str16(topic).i32(partition).u64(offset).str16(error);
    }

    @Override
    public int sizeHint() {
        return 20 + group.length() + topic.length() + error.length() * 3;
    }
}
