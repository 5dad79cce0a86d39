package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * CLUSTER_MEMBERSHIP 0xCE response: {@code u32 n · n × (str16 node_id · str16 cluster_addr · bool voting)}, the
 * metadata group's members once the change is committed.
 */
public record MembershipResponse(List<Member> members) implements WireMessage {
    public MembershipResponse {
        members = List.copyOf(members);
    }

    public record Member(String nodeId, String clusterAddr, boolean voting) {
    }

    public static MembershipResponse read(PayloadReader in) {
        int n = in.count("member", 5);
        List<Member> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            members.add(new Member(in.str16("node_id"), in.str16("cluster_addr"), in.bool("voting")));
        }
        return new MembershipResponse(members);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(members.size());
        for (Member m : members) {
            out.str16(m.nodeId()).str16(m.clusterAddr()).bool(m.voting());
        }
    }

    @Override
    public int sizeHint() {
        return 4 + members.size() * 64;
    }
}
