package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * DLQ_NACK 0xC8 response (our extension, docs/dlq.md): {@code bool dead_lettered · i32 failures · i64 retry_at_ms ·
 * str16 dlq_id}. Not dead-lettered: the group should process the record again from {@code retry_at_ms} (Unix ms)
 * on, {@code failures} being how often it failed so far. Dead-lettered: the record is in the queue under
 * {@code dlq_id} and the group moves past it.
 */
public record NackResponse(boolean deadLettered, int failures, long retryAtMs, String dlqId) implements WireMessage {

    public static NackResponse read(PayloadReader in) {
        return new NackResponse(in.bool("dead_lettered"), in.i32("failures"), in.i64("retry_at_ms"),
                in.str16("dlq_id"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(deadLettered).i32(failures).i64(retryAtMs).str16(dlqId);
    }
}
