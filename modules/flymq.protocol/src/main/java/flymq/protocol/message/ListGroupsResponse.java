package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/** LIST_GROUPS 0x62 response (Go/Python layout, wire spec 4.11): {@code u32 n · n × GroupSummary}. */
public record ListGroupsResponse(List<GroupSummary> groups) implements WireMessage {
    public ListGroupsResponse {
        groups = List.copyOf(groups);
    }

    public static ListGroupsResponse read(PayloadReader in) {
        int n = in.count("group", 12);
        List<GroupSummary> groups = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            groups.add(GroupSummary.read(in));
        }
        return new ListGroupsResponse(groups);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(groups.size());
        for (GroupSummary g : groups) {
            g.write(out);
        }
    }

    @Override
    public int sizeHint() {
        int n = 4;
        for (GroupSummary g : groups) {
            n += g.sizeHint();
        }
        return n;
    }
}
