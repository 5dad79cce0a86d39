package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * REPLAY_DLQ 0x21 request in either of its two forms (wire spec 11, note on 0x21):
 * <ul>
 *   <li>id form (Go client, Java {@code replayDLQ}, Python {@code replay_dlq}): {@code str16 topic · str16 id};</li>
 *   <li>offset form (Java {@code reInjectDLQ}, Python {@code re_inject_dlq}): {@code str16 topic · u64 offset},
 *       the record's offset in the queue topic.</li>
 * </ul>
 * The two are told apart by what follows the topic: exactly 8 bytes whose first two are not the length 6 of an id
 * filling them are the offset form. (An offset form that starts {@code 00 06} would be an offset of at least
 * 6·2^48, which no queue reaches.) The answer's layout follows the form ({@link DlqReplayResponse}).
 */
public record DlqReplayRequest(String topic, String id, long offset, boolean offsetForm) implements WireMessage {

    /** The id form. */
    public static DlqReplayRequest byId(String topic, String id) {
        return new DlqReplayRequest(topic, id, -1, false);
    }

    /** The offset form. */
    public static DlqReplayRequest byOffset(String topic, long offset) {
        return new DlqReplayRequest(topic, Long.toUnsignedString(offset), offset, true);
    }

    public static DlqReplayRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        if (in.remaining() == 8) {
            byte[] b = in.array();
            int p = in.position();
            int idLength = ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
            if (idLength != 6) {
                return byOffset(topic, in.u64("offset"));
            }
        }
        return byId(topic, in.str16("message_id"));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic);
        if (offsetForm) {
            out.u64(offset);
        } else {
            out.str16(id);
        }
    }
}
