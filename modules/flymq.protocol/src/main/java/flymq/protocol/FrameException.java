package flymq.protocol;

import java.io.IOException;

/**
 * A framing violation after which the byte stream cannot be trusted (bad magic, bad version, oversize length):
 * the connection is closed without a response (wire spec 1.4).
 */
public class FrameException extends IOException {
    public FrameException(String message) {
        super(message);
    }
}
