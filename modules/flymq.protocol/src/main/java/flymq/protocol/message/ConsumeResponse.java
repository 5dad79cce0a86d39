package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CONSUME 0x02 / 0x0A response (wire spec 4.2): {@code bytes32 key · bytes32 value} of the record at the requested
 * offset (not echoed). A record without key has key length 0.
 */
public record ConsumeResponse(byte[] key, byte[] value) implements WireMessage {

    public static ConsumeResponse read(PayloadReader in) {
        return new ConsumeResponse(in.bytes32("key"), in.bytes32("value"));
    }

    /** A null key is written as length 0. */
    @Override
    public void write(PayloadWriter out) {
        out.bytes32(key).bytes32(value);
    }

    @Override
    public int sizeHint() {
        return 8 + (key == null ? 0 : key.length) + value.length;
    }
}
