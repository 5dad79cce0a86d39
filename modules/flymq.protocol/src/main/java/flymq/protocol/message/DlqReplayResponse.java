package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.nio.charset.StandardCharsets;

/**
 * REPLAY_DLQ 0x21 response, in the layout its request's form expects (wire spec 11): {@code bool success ·
 * str16 message} for the id form (Go), {@code bool success · u32 length · message} for the offset form (what the
 * Java SDK's {@code reInjectDLQ} and the Python SDK's {@code re_inject_dlq} decode).
 */
public record DlqReplayResponse(boolean success, String message, boolean offsetForm) implements WireMessage {

    public static DlqReplayResponse read(PayloadReader in, boolean offsetForm) {
        boolean success = in.bool("success");
        if (!offsetForm) {
            return new DlqReplayResponse(success, in.str16("message"), false);
        }
        long n = in.u32("message length");
        if (n > in.remaining()) {
            throw new flymq.protocol.MalformedPayloadException("invalid binary format: message declares " + n
                    + " bytes, " + in.remaining() + " left");
        }
        byte[] text = new byte[(int) n];
        System.arraycopy(in.array(), in.position(), text, 0, text.length);
        in.skip(text.length, "message");
        return new DlqReplayResponse(success, new String(text, StandardCharsets.UTF_8), true);
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(success);
        if (offsetForm) {
            byte[] text = message.getBytes(StandardCharsets.UTF_8);
            out.u32(text.length).raw(text, 0, text.length);
        } else {
            out.str16(message);
        }
    }
}
