package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CLUSTER_REGISTER 0xCF request (cluster-internal; the SDKs never send it): {@code str16 node_id ·
 * str16 client_addr · [u8 forwarded · [str16 rack]]}, a node announcing its client address (and its rack,
 * {@code cluster.rack}, for replica placement) through the metadata leader. With a rack the forwarded byte is always
 * written (0x00 when not forwarded), so the rack has a fixed place. Answered with a {@link SuccessResponse}.
 */
public record RegisterNodeRequest(String nodeId, String clientAddr, boolean forwarded, String rack)
        implements WireMessage {

    public RegisterNodeRequest {
        rack = rack == null ? "" : rack;
    }

    public RegisterNodeRequest(String nodeId, String clientAddr, boolean forwarded) {
        this(nodeId, clientAddr, forwarded, "");
    }

    public static RegisterNodeRequest read(PayloadReader in) {
        String nodeId = in.str16("node_id");
        String clientAddr = in.str16("client_addr");
        boolean forwarded = Forwarded.read(in);
        String rack = in.remaining() >= 2 ? in.str16("rack") : "";
        return new RegisterNodeRequest(nodeId, clientAddr, forwarded, rack);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(nodeId).str16(clientAddr);
        if (rack.isEmpty()) {
            Forwarded.write(out, forwarded);
        } else {
            out.u8(forwarded ? Forwarded.MARKER : 0).str16(rack);
        }
    }

    @Override
    public int sizeHint() {
        return (nodeId.length() + clientAddr.length() + rack.length()) * 3 + 7;
    }
}
