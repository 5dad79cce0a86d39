package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * DELAYED_ENTRIES 0xCC request (cluster-internal, admin): {@code str16 topic · i32 partition · i64 minute ·
 * i32 from_seq · i32 to_seq · i32 from_cancel · i32 to_cancel}. A replica of the partition that installed a Raft
 * snapshot asks the partition's leader for the delayed-delivery schedule entries {@code [from_seq, to_seq)} and the
 * cancels {@code [from_cancel, to_cancel)} (in the order they were applied) of one minute it does not hold. Answered with
 * a {@link DelayedEntriesResponse}.
 */
public record DelayedEntriesRequest(String topic, int partition, long minute, int fromSeq, int toSeq,
                                    int fromCancel, int toCancel) implements WireMessage {

    public static DelayedEntriesRequest read(PayloadReader in) {
        return new DelayedEntriesRequest(in.str16("topic"), in.i32("partition"), in.i64("minute"),
                in.i32("from_seq"), in.i32("to_seq"), in.i32("from_cancel"), in.i32("to_cancel"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partition).i64(minute).i32(fromSeq).i32(toSeq).i32(fromCancel).i32(toCancel);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 30;
    }
}
