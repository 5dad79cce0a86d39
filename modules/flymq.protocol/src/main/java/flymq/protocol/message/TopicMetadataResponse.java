package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * METADATA 0x04 response (our layout): {@code str16 topic · i32 partitions · i32 replication_factor ·
 * i64 retention_ms · i64 retention_bytes · i64 segment_bytes · i64 segment_ms · i64 created_ms · u32 n · n ×
 * (i32 partition · str16 leader_id · u64 start_offset · u64 end_offset · u64 size_bytes · u32 segments) ·
 * [i64 ttl_ms]}. The first three fields are what the Java SDK's decoder reads; the rest are effective settings and
 * per-partition log state. {@code ttl_ms}, the topic's effective time to live (0 = records never expire), came
 * later: -1 means the broker did not send it, and it is written only when known.
 */
public record TopicMetadataResponse(String topic, int partitionCount, int replicationFactor, long retentionMs,
                                    long retentionBytes, long segmentBytes, long segmentMs, long createdMs,
                                    List<Partition> partitions, long ttlMs) implements WireMessage {
    public TopicMetadataResponse {
        partitions = List.copyOf(partitions);
    }

    /** Without the TTL (as brokers before it answered). */
    public TopicMetadataResponse(String topic, int partitionCount, int replicationFactor, long retentionMs,
                                 long retentionBytes, long segmentBytes, long segmentMs, long createdMs,
                                 List<Partition> partitions) {
        this(topic, partitionCount, replicationFactor, retentionMs, retentionBytes, segmentBytes, segmentMs,
                createdMs, partitions, -1);
    }

    public record Partition(int partition, String leaderId, long startOffset, long endOffset, long sizeBytes,
                            int segments) {
    }

    public static TopicMetadataResponse read(PayloadReader in) {
        String topic = in.str16("topic");
        int partitionCount = in.i32("partitions");
        int rf = in.i32("replication_factor");
        long retentionMs = in.i64("retention_ms");
        long retentionBytes = in.i64("retention_bytes");
        long segmentBytes = in.i64("segment_bytes");
        long segmentMs = in.i64("segment_ms");
        long created = in.i64("created_ms");
        int n = in.count("partition", 34);
        List<Partition> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parts.add(new Partition(in.i32("partition"), in.str16("leader_id"), in.u64("start_offset"),
                    in.u64("end_offset"), in.u64("size_bytes"), in.i32("segments")));
        }
        long ttl = in.remaining() >= 8 ? in.i64("ttl_ms") : -1;
        return new TopicMetadataResponse(topic, partitionCount, rf, retentionMs, retentionBytes, segmentBytes,
                segmentMs, created, parts, ttl);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(topic).i32(partitionCount).i32(replicationFactor).i64(retentionMs).i64(retentionBytes)
                .i64(segmentBytes).i64(segmentMs).i64(createdMs).u32(partitions.size());
        for (Partition p : partitions) {
            out.i32(p.partition()).str16(p.leaderId()).u64(p.startOffset()).u64(p.endOffset()).u64(p.sizeBytes())
                    .u32(p.segments());
        }
        if (ttlMs != -1) {
            out.i64(ttlMs);
        }
    }

    @Override
    public int sizeHint() {
        return topic.length() * 3 + 62 + partitions.size() * 48;
    }
}
