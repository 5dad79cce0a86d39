package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * PRODUCE_TX 0x43 request (wire spec 11): {@code str16 txn_id · str16 topic · bytes32 data}: one keyless record in
 * the transaction, the partition chosen by the broker. Answered with a {@link ProduceResponse} (RecordMetadata)
 * naming the partition and offset the record was written at; it is visible to read-committed readers only after
 * COMMIT_TX.
 */
public record ProduceTxRequest(String txnId, String topic, byte[] data) implements WireMessage {

    public static ProduceTxRequest read(PayloadReader in) {
        return new ProduceTxRequest(in.str16("txn_id"), in.str16("topic"), in.bytes32("data"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(txnId).str16(topic).bytes32(data);
    }

    @Override
    public int sizeHint() {
        return 8 + (txnId.length() + topic.length()) * 3 + data.length;
    }
}
