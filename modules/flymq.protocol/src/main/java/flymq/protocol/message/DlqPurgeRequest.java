package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/** PURGE_DLQ 0x22 request (wire spec 11): {@code str16 topic}, the origin topic whose queue is emptied. */
public record DlqPurgeRequest(String topic) implements WireMessage {

    public static DlqPurgeRequest read(PayloadReader in) {
        return new DlqPurgeRequest(in.str16("topic"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic);
    }
}
