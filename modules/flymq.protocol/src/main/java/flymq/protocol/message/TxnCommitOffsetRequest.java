package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * TXN_COMMIT_OFFSET 0xC3 request (extension): {@code str16 txn_id · str16 topic · str16 group_id · i32 partition ·
 * u64 offset}: a consumer group's offset commit (as COMMIT 0x06: the next offset to read) that takes effect when,
 * and only if, the transaction commits. Answered with a {@link SuccessResponse}. With it a consume-transform-produce
 * loop writes its output and moves its input position in one transaction.
 */
public record TxnCommitOffsetRequest(String txnId, String topic, String group, int partition, long offset)
        implements WireMessage {

    public static TxnCommitOffsetRequest read(PayloadReader in) {
        return new TxnCommitOffsetRequest(in.str16("txn_id"), in.str16("topic"), in.str16("group_id"),
                in.i32("partition"), in.u64("offset"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(txnId).str16(topic).str16(group).i32(partition).u64(offset);
    }

    @Override
    public int sizeHint() {
        return (txnId.length() + topic.length() + group.length()) * 3 + 18;
    }
}
