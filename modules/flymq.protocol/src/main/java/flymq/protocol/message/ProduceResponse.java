package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * PRODUCE 0x01 response, "RecordMetadata" (wire spec 4.1): {@code str16 topic · i32 partition · u64 offset ·
 * i64 timestamp · i32 key_size (-1 when keyless) · i32 value_size}.
 */
public record ProduceResponse(String topic, int partition, long offset, long timestamp, int keySize, int valueSize)
        implements WireMessage {

    public static ProduceResponse read(PayloadReader in) {
        return new ProduceResponse(in.str16("topic"), in.i32("partition"), in.u64("offset"), in.i64("timestamp"),
                in.i32("key_size"), in.i32("value_size"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partition).u64(offset).i64(timestamp).i32(keySize).i32(valueSize);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 30;
    }
}
