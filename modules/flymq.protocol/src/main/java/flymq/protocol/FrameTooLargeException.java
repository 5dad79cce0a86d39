package flymq.protocol;

/**
 * A header announcing a payload above {@link FrameCodec#MAX_PAYLOAD}. Like any framing violation the stream cannot
 * be resynchronised, but the header itself was well formed, so a server can tell the peer which limit it broke
 * before closing (the broker answers with an ERROR frame carrying {@link #getMessage()}).
 */
public final class FrameTooLargeException extends FrameException {
    private final long length;

    public FrameTooLargeException(long length) {
        super("frame payload of " + length + " bytes exceeds the maximum of " + FrameCodec.MAX_PAYLOAD);
        this.length = length;
    }

    /** The payload length the header announced. */
    public long length() {
        return length;
    }
}
