package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * {@code u64 offset}: the answer of SUBSCRIBE 0x05 (where to read next), GET_OFFSET 0x60 (the committed offset, 0
 * when none) and SEEK_TO_TIMESTAMP 0x66 (the first offset at or after the time, else the end offset).
 */
public record OffsetResponse(long offset) implements WireMessage {

    public static OffsetResponse read(PayloadReader in) {
        return new OffsetResponse(in.u64("offset"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.u64(offset);
    }

    @Override
    public int sizeHint() {
        return 8;
    }
}
