package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CLUSTER_MEMBERSHIP 0xCE request (extension, admin only): {@code u8 action (1 join, 2 leave) · str16 node_id ·
 * str16 cluster_addr (join: the node's host:port for Raft; leave: "") · str16 client_addr (join: its client
 * host:port, may be ""; leave: "") · [u8 forwarded]}. Answered with a {@link MembershipResponse}.
 */
public record MembershipRequest(int action, String nodeId, String clusterAddr, String clientAddr, boolean forwarded)
        implements WireMessage {
    public static final int JOIN = 1;
    public static final int LEAVE = 2;

    public MembershipRequest {
        clusterAddr = clusterAddr == null ? "" : clusterAddr;
        clientAddr = clientAddr == null ? "" : clientAddr;
    }

    public static MembershipRequest join(String nodeId, String clusterAddr, String clientAddr) {
        return new MembershipRequest(JOIN, nodeId, clusterAddr, clientAddr, false);
    }

    public static MembershipRequest leave(String nodeId) {
        return new MembershipRequest(LEAVE, nodeId, "", "", false);
    }

    public static MembershipRequest read(PayloadReader in) {
        return new MembershipRequest(in.u8("action"), in.str16("node_id"), in.str16("cluster_addr"),
                in.str16("client_addr"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.u8(action).str16(nodeId).str16(clusterAddr).str16(clientAddr);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return (nodeId.length() + clusterAddr.length() + clientAddr.length()) * 3 + 8;
    }
}
