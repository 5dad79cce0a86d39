package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * DLQ_NACK 0xC8 in its node-to-node form (docs/dlq.md, "Retry delay"): the node that counted a failure hands the
 * resulting retry hold to the metadata group's leader, which replicates it to every node. Laid out so that it can
 * never be taken for a consumer's {@link NackRequest}, whose group is never empty:
 * {@code str16 "" · str16 group · str16 topic · i32 partition · u64 offset · i32 failures · i64 not_before_ms ·
 * [u8 forwarded]}. {@code not_before_ms} 0 releases the group's hold of that partition. Answered with a
 * {@link SuccessResponse}. Clients never send it.
 */
public record RetryHoldRequest(String group, String topic, int partition, long offset, int failures,
                               long notBeforeMs, boolean forwarded) implements WireMessage {

    /** Whether a DLQ_NACK payload is this form (its first field, a str16, is empty), without consuming it. */
    public static boolean is(PayloadReader in) {
        return in.remaining() >= 2 && in.array()[in.position()] == 0 && in.array()[in.position() + 1] == 0;
    }

    public static RetryHoldRequest read(PayloadReader in) {
        if (!in.str16("form").isEmpty()) {
            throw new MalformedPayloadException("invalid binary format: not a retry hold (its first field, the empty "
                    + "group of a consumer's DLQ_NACK, is not empty)");
        }
        return new RetryHoldRequest(in.str16("group"), in.str16("topic"), in.i32("partition"), in.u64("offset"),
                in.i32("failures"), in.i64("not_before_ms"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16("").str16(group).str16(topic).i32(partition).u64(offset).i32(failures).i64(notBeforeMs);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return 40 + group.length() * 3 + topic.length() * 3;
    }
}
