package flymq.protocol;

/**
 * The 8-byte header that starts every request and response frame (wire spec 1.2).
 *
 * @param opcode unsigned opcode 0..255
 * @param flags  unsigned flag byte; {@link FrameCodec#FLAG_BINARY}, {@link FrameCodec#FLAG_GZIP}
 * @param length payload length in bytes, 0..{@link FrameCodec#MAX_PAYLOAD}
 */
public record FrameHeader(int opcode, int flags, int length) {

    public boolean gzipped() {
        return (flags & FrameCodec.FLAG_GZIP) != 0;
    }
}
