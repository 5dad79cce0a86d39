package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * PRODUCE 0x01 request (wire spec 4.1): {@code str16 topic · bytes32 key · bytes32 value · i32 partition}. A key of
 * length 0 is no key; partition -1 lets the broker choose, and a request that ends before the partition (the Go
 * SDK's) also means -1.
 */
public record ProduceRequest(String topic, byte[] key, byte[] value, int partition) implements WireMessage {
    public static final int ANY_PARTITION = -1;

    public ProduceRequest {
        key = key == null ? EMPTY : key;
    }

    private static final byte[] EMPTY = new byte[0];

    public static ProduceRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        byte[] key = in.bytes32("key");
        byte[] value = in.bytes32("value");
        int partition = in.remaining() >= 4 ? in.i32("partition") : ANY_PARTITION;
        return new ProduceRequest(topic, key, value, partition);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).bytes32(key).bytes32(value).i32(partition);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + key.length + value.length + 16;
    }
}
