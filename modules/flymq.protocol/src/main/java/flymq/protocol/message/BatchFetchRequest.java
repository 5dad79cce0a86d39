package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_FETCH 0xC1 request (extension): {@code str16 topic · u32 max_bytes (per partition, about; 0 = the broker's
 * default) · u32 partition_count · partition_count × (i32 partition · u64 offset) · [u8 forwarded]}. Answered with
 * a {@link BatchFetchResponse}.
 */
public record BatchFetchRequest(String topic, long maxBytes, List<Position> positions, boolean forwarded)
        implements WireMessage {
    public BatchFetchRequest {
        positions = List.copyOf(positions);
    }

    public record Position(int partition, long offset) {
    }

    public static BatchFetchRequest read(PayloadReader in) {
        String topic = in.str16("topic");
        long maxBytes = in.u32("max_bytes");
        int n = in.count("partitions", 12);
        List<Position> positions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            positions.add(new Position(in.i32("partition"), in.u64("offset")));
        }
        return new BatchFetchRequest(topic, maxBytes, positions, Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).u32(maxBytes).u32(positions.size());
        for (Position p : positions) {
            out.i32(p.partition()).u64(p.offset());
        }
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 11 + positions.size() * 12;
    }
}
