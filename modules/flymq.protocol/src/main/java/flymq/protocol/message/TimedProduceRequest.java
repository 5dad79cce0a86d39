package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * PRODUCE_DELAYED 0x30 and PRODUCE_WITH_TTL 0x35 requests (wire spec 11), one layout for both: {@code str16 topic ·
 * bytes32 value · i64 millis · [bytes32 key · i32 partition]}. {@code millis} is the delay (0x30) or the time to live
 * (0x35). The official SDKs send only the first three fields (no key, the broker chooses the partition); the
 * bracketed tail is our extension, read only when all of it is present, so our client can send a key or a partition.
 * Both are answered with a {@link ProduceResponse}.
 *
 * @param key       the key, empty for none
 * @param partition -1 lets the broker choose
 */
public record TimedProduceRequest(String topic, byte[] value, long millis, byte[] key, int partition)
        implements WireMessage {
    private static final byte[] EMPTY = new byte[0];

    public TimedProduceRequest {
        key = key == null ? EMPTY : key;
    }

    /** The SDKs' form: no key, the broker chooses the partition. */
    public static TimedProduceRequest of(String topic, byte[] value, long millis) {
        return new TimedProduceRequest(topic, value, millis, EMPTY, ProduceRequest.ANY_PARTITION);
    }

    public static TimedProduceRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        byte[] value = in.bytes32("value");
        long millis = in.i64("millis");
        if (in.remaining() >= 8) {
            byte[] key = in.bytes32("key");
            return new TimedProduceRequest(topic, value, millis, key, in.i32("partition"));
        }
        return of(topic, value, millis);
    }

    /** Writes the long form when a key or a partition is given, else exactly the SDKs' bytes. */
    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).bytes32(value).i64(millis);
        if (key.length > 0 || partition != ProduceRequest.ANY_PARTITION) {
            out.bytes32(key).i32(partition);
        }
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + key.length + value.length + 24;
    }
}
