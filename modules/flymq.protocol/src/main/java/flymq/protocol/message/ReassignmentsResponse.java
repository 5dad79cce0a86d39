package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * REASSIGNMENTS 0xCA response (the request is an {@link EmptyRequest}): the partition reassignments in progress as
 * the answering node has applied the metadata log. {@code u32 n · n × (str16 topic · i32 partition · list<str16>
 * from · list<str16> to · bool cancelling)}; {@code from} is the replica list before the move, {@code to} the
 * target (after a cancel: {@code from} again, and {@code cancelling} set).
 */
public record ReassignmentsResponse(List<Reassignment> reassignments) implements WireMessage {
    public ReassignmentsResponse {
        reassignments = List.copyOf(reassignments);
    }

    public record Reassignment(String topic, int partition, List<String> from, List<String> to, boolean cancelling) {
        public Reassignment {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    public static ReassignmentsResponse read(PayloadReader in) {
        int n = in.count("reassignment", 15);
        List<Reassignment> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(new Reassignment(in.str16("topic"), in.i32("partition"), Lists.readStrings(in, "from"),
                    Lists.readStrings(in, "to"), in.bool("cancelling")));
        }
        return new ReassignmentsResponse(all);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(reassignments.size());
        for (Reassignment r : reassignments) {
            out.str16(r.topic()).i32(r.partition());
            Lists.writeStrings(out, r.from());
            Lists.writeStrings(out, r.to());
            out.bool(r.cancelling());
        }
    }

    @Override
    public int sizeHint() {
        int n = 4;
        for (Reassignment r : reassignments) {
            n += r.topic().length() * 3 + 7 + Lists.size(r.from()) + Lists.size(r.to());
        }
        return n;
    }
}
