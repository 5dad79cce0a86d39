package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.OptionalLong;

/**
 * RESET_OFFSET 0x61 request (wire spec 4.10): {@code str16 topic · str16 group_id · i32 partition · str8 mode ·
 * [u64 value] · [u8 forwarded]}. The value is required for modes {@code offset} and {@code timestamp} (ours) and
 * optional otherwise (the Java SDK always appends 8 bytes; a cluster node forwarding the request always sends it,
 * so the marker after it is not mistaken for a value). Answered with a {@link SuccessResponse}.
 */
public record ResetOffsetRequest(String topic, String group, int partition, String mode, OptionalLong value,
                                 boolean forwarded) implements WireMessage {
    public ResetOffsetRequest {
        group = group == null ? "" : group;
    }

    /** Whether {@code mode} needs a value ({@code offset}, {@code timestamp}). */
    public static boolean needsValue(String mode) {
        return mode.equals("offset") || mode.equals("timestamp");
    }

    public static ResetOffsetRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        String group = in.str16("group_id");
        int partition = in.i32("partition");
        String mode = in.str8("mode");
        OptionalLong value = OptionalLong.empty();
        if (needsValue(mode) || in.remaining() >= 8) {
            value = OptionalLong.of(in.u64(needsValue(mode) ? mode : "value"));
        }
        return new ResetOffsetRequest(topic, group, partition, mode, value, Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).str16(group).i32(partition).str8(mode);
        if (value.isPresent()) {
            out.u64(value.getAsLong());
        }
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return (topic.length() + group.length()) * 3 + mode.length() + 24;
    }
}
