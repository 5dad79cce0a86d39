package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * CLUSTER_BALANCE 0xCB response: {@code u32 n · n × (str16 topic · i32 partition · list<str16> from · list<str16>
 * to)}, one entry per partition that moves: its replica list before and after (first = preferred leader), or for
 * ELECT_LEADERS its old and new leader (one id each).
 */
public record ClusterBalanceResponse(List<Move> moves) implements WireMessage {
    public ClusterBalanceResponse {
        moves = List.copyOf(moves);
    }

    public record Move(String topic, int partition, List<String> from, List<String> to) {
        public Move {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    public static ClusterBalanceResponse read(PayloadReader in) {
        int n = in.count("move", 14);
        List<Move> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(new Move(in.str16("topic"), in.i32("partition"), Lists.readStrings(in, "from"),
                    Lists.readStrings(in, "to")));
        }
        return new ClusterBalanceResponse(all);
    }

    @Override
    public void write(PayloadWriter out) {
        out.u32(moves.size());
        for (Move m : moves) {
            out.str16(m.topic()).i32(m.partition());
            Lists.writeStrings(out, m.from());
            Lists.writeStrings(out, m.to());
        }
    }

    @Override
    public int sizeHint() {
        int n = 4;
        for (Move m : moves) {
            n += m.topic().length() * 3 + 6 + Lists.size(m.from()) + Lists.size(m.to());
        }
        return n;
    }
}
