package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_PRODUCE 0xC0 response (extension), one entry per request group in request order: {@code str16 topic ·
 * u32 group_count · group_count × (i32 partition · u64 base_offset · u32 record_count · str16 error)}. An empty
 * error means the group was appended at {@code base_offset .. base_offset + record_count - 1}; a non-empty one
 * concerns only that group (base offset -1).
 */
public record BatchProduceResponse(String topic, List<GroupResult> groups) implements WireMessage {
    /** Bytes of a group's result with an empty error. */
    public static final int MIN_GROUP_BYTES = 18;

    public BatchProduceResponse {
        groups = List.copyOf(groups);
    }

    public record GroupResult(int partition, long baseOffset, int recordCount, String error) {
        public GroupResult {
            error = error == null ? "" : error;
        }

        public static GroupResult appended(int partition, long baseOffset, int recordCount) {
            return new GroupResult(partition, baseOffset, recordCount, "");
        }

        public static GroupResult failed(int partition, int recordCount, String error) {
            return new GroupResult(partition, -1, recordCount, error);
        }
    }

    public static BatchProduceResponse read(PayloadReader in) {
        String topic = in.str16("topic");
        int n = in.count("groups", MIN_GROUP_BYTES);
        List<GroupResult> groups = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            groups.add(new GroupResult(in.i32("partition"), in.u64("base_offset"), in.i32("record_count"),
                    in.str16("error")));
        }
        return new BatchProduceResponse(topic, groups);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).u32(groups.size());
        for (GroupResult g : groups) {
            out.i32(g.partition()).u64(g.baseOffset()).u32(g.recordCount()).str16(g.error());
        }
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 6 + groups.size() * 32;
    }
}
