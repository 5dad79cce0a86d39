package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * The marker byte a cluster node appends to a request it forwards to another node (after the request proper), so
 * that the receiver serves it itself and never forwards it again: two nodes that disagree about leadership for a
 * moment cannot bounce a request between them. The SDKs never send it; receivers that do not expect it ignore it
 * like any trailing byte.
 */
public final class Forwarded {
    public static final int MARKER = 0xFF;

    private Forwarded() {
    }

    /** Reads the optional marker at the end of a request: true when the next byte is there and is the marker. */
    public static boolean read(PayloadReader in) {
        return in.remaining() >= 1 && in.u8("forwarded") == MARKER;
    }

    /** Appends the marker when {@code forwarded}. */
    public static void write(PayloadWriter out, boolean forwarded) {
        if (forwarded) {
            out.u8(MARKER);
        }
    }
}
