package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * SECURITY_CHANGE 0xCD request (cluster-internal; the SDKs never send it): {@code bytes32 change · [u8 forwarded]}.
 * A node that served a user or ACL request forwards the resulting change to the metadata leader, which commits it
 * through the metadata Raft group. The change bytes are the broker's own encoding (opaque here). Answered with a
 * {@link SuccessResponse}.
 */
public record SecurityChangeRequest(byte[] change, boolean forwarded) implements WireMessage {

    public static SecurityChangeRequest read(PayloadReader in) {
        return new SecurityChangeRequest(in.bytes32("change"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.bytes32(change);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return 5 + change.length;
    }
}
