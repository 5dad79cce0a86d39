package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * REASSIGNMENTS 0xCA response (the request is an {@link EmptyRequest}): the partition reassignments in progress as
 * the answering node has applied the metadata log. {@code u32 n · n × (str16 topic · i32 partition · list<str16>
 * from · list<str16> to · bool cancelling) [· u32 q · q × (the same)]}; {@code from} is the replica list before the
 * move, {@code to} the target (after a cancel: {@code from} again, and {@code cancelling} set). The bracketed
 * {@code queued} list holds the moves of a rebalance or drain that wait for a slot
 * ({@code cluster.reassignment_max_concurrent}), in the order they will start; it is written only when one waits,
 * and a reader that finds no bytes after the first list reads it as empty.
 */
public record ReassignmentsResponse(List<Reassignment> reassignments, List<Reassignment> queued)
        implements WireMessage {
    public ReassignmentsResponse {
        reassignments = List.copyOf(reassignments);
        queued = List.copyOf(queued);
    }

    public ReassignmentsResponse(List<Reassignment> reassignments) {
        this(reassignments, List.of());
    }

    public record Reassignment(String topic, int partition, List<String> from, List<String> to, boolean cancelling) {
        public Reassignment {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    public static ReassignmentsResponse read(PayloadReader in) {
        List<Reassignment> all = readList(in, "reassignment");
        List<Reassignment> queued = in.remaining() > 0 ? readList(in, "queued reassignment") : List.of();
        return new ReassignmentsResponse(all, queued);
    }

    private static List<Reassignment> readList(PayloadReader in, String what) {
        int n = in.count(what, 15);
        List<Reassignment> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(new Reassignment(in.str16("topic"), in.i32("partition"), Lists.readStrings(in, "from"),
                    Lists.readStrings(in, "to"), in.bool("cancelling")));
        }
        return all;
    }

    @Override
    public void write(PayloadWriter out) {
        writeList(out, reassignments);
        if (!queued.isEmpty()) {
            writeList(out, queued);
        }
    }

    private static void writeList(PayloadWriter out, List<Reassignment> list) {
        out.u32(list.size());
        for (Reassignment r : list) {
            out.str16(r.topic()).i32(r.partition());
            Lists.writeStrings(out, r.from());
            Lists.writeStrings(out, r.to());
            out.bool(r.cancelling());
        }
    }

    @Override
    public int sizeHint() {
        int n = 8;
        for (Reassignment r : java.util.stream.Stream.concat(reassignments.stream(), queued.stream()).toList()) {
            n += r.topic().length() * 3 + 7 + Lists.size(r.from()) + Lists.size(r.to());
        }
        return n;
    }
}
