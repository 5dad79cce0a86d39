package flymq.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The ERROR response (opcode 0xFF, wire spec 1.6). This broker always sends the structured form
 *
 * <pre>
 *   i32   code     always 1
 *   str16 message
 * </pre>
 *
 * with flags 0x01, which the Java, Python and Go clients all decode exactly (the raw-text form loses its first six
 * characters in the Java and Python SDKs). Messages longer than 65 535 UTF-8 bytes are cut at a character boundary.
 */
public final class ErrorFrame {
    public static final int CODE = 1;

    private ErrorFrame() {
    }

    /** Writes the structured ERROR payload for {@code message} into a reset writer. */
    public static PayloadWriter encode(PayloadWriter out, String message) {
        out.i32(CODE);
        out.str16(fit(message == null ? "" : message));
        return out;
    }

    /**
     * Decodes an ERROR payload the way the SDKs do: fewer than 6 bytes is all text; otherwise {@code i32 code},
     * {@code u16 len}, and the text is those bytes, or everything from byte 6 when {@code len} overruns.
     */
    public static String decode(byte[] payload) {
        if (payload.length < 6) {
            return new String(payload, StandardCharsets.UTF_8);
        }
        int len = ((payload[4] & 0xFF) << 8) | (payload[5] & 0xFF);
        if (6 + len > payload.length) {
            return new String(payload, 6, payload.length - 6, StandardCharsets.UTF_8);
        }
        return new String(payload, 6, len, StandardCharsets.UTF_8);
    }

    private static String fit(String s) {
        if (s.length() * 3 <= 0xFFFF) {
            return s;
        }
        String cut = s;
        while (cut.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
            cut = cut.substring(0, Math.min(cut.length() - 1, 0xFFFF - 3));
            if (Character.isHighSurrogate(cut.charAt(cut.length() - 1))) {
                cut = cut.substring(0, cut.length() - 1);
            }
        }
        return cut;
    }
}
