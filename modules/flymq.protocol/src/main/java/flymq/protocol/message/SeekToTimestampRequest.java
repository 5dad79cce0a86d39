package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * SEEK_TO_TIMESTAMP 0x66 request (our layout; upstream never defined one): {@code str16 topic · i32 partition ·
 * i64 timestamp_ms}. Answered with an {@link OffsetResponse}: the first offset whose record timestamp is at or
 * after the time, or the end offset when there is none.
 */
public record SeekToTimestampRequest(String topic, int partition, long timestampMs) implements WireMessage {

    public static SeekToTimestampRequest read(PayloadReader in) {
        return new SeekToTimestampRequest(in.str16("topic"), in.i32("partition"), in.i64("timestamp_ms"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partition).i64(timestampMs);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 14;
    }
}
