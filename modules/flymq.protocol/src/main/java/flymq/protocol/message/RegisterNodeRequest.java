package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CLUSTER_REGISTER 0xCF request (cluster-internal; the SDKs never send it): {@code str16 node_id ·
 * str16 client_addr · [u8 forwarded]}, a node announcing its client address through the metadata leader. Answered
 * with a {@link SuccessResponse}.
 */
public record RegisterNodeRequest(String nodeId, String clientAddr, boolean forwarded) implements WireMessage {

    public static RegisterNodeRequest read(PayloadReader in) {
        return new RegisterNodeRequest(in.str16("node_id"), in.str16("client_addr"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(nodeId).str16(clientAddr);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return (nodeId.length() + clientAddr.length()) * 3 + 5;
    }
}
