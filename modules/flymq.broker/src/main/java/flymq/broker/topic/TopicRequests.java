package flymq.broker.topic;

import flymq.broker.cluster.PartitionLeadership;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.broker.server.Session;
import flymq.storage.LogConfig;
import flymq.storage.PartitionLog;
import java.util.List;

/** The topic opcodes CREATE_TOPIC, DELETE_TOPIC, LIST_TOPICS and METADATA; one method per opcode. */
public final class TopicRequests {
    /** Bytes of CREATE_TOPIC's optional settings block (our extension). */
    public static final int SETTINGS_BLOCK = 4 + 8 * 4;

    private final TopicManager topics;
    private final PartitionLeadership leadership;

    public TopicRequests(TopicManager topics, PartitionLeadership leadership) {
        this.topics = topics;
        this.leadership = leadership;
    }

    /**
     * CREATE_TOPIC 0x03: {@code str16 topic · i32 partitions · [i32 replication_factor · i64 retention_ms ·
     * i64 retention_bytes · i64 segment_bytes · i64 segment_ms]} → {@code bool}. The bracketed block is our
     * extension, read only when all 36 bytes are present; -1 in it means the broker default. The SDKs send only
     * the first two fields.
     */
    public void create(Session session, PayloadReader in, PayloadWriter out) {
        String name = in.str16("topic");
        int partitions = in.i32("partitions");
        TopicSettings settings = TopicSettings.ofPartitions(partitions);
        if (in.remaining() >= SETTINGS_BLOCK) {
            settings = new TopicSettings(partitions, in.i32("replication_factor"), in.i64("retention_ms"),
                    in.i64("retention_bytes"), in.i64("segment_bytes"), in.i64("segment_ms"));
        }
        topics.create(name, settings);
        out.bool(true);
    }

    /** DELETE_TOPIC 0x09: {@code str16 topic} → {@code bool}; deleting a missing topic succeeds. */
    public void delete(Session session, PayloadReader in, PayloadWriter out) {
        topics.delete(in.str16("topic"));
        out.bool(true);
    }

    /** LIST_TOPICS 0x08: empty → {@code list<str16>} sorted, without names starting with {@code __}. */
    public void list(Session session, PayloadReader in, PayloadWriter out) {
        List<String> names = topics.names().stream().filter(n -> !n.startsWith("__")).toList();
        out.strList(names);
    }

    /**
     * METADATA 0x04 (our layout, see docs/protocol.md): {@code str16 topic} →
     * {@code str16 topic · i32 partitions · i32 replication_factor · i64 retention_ms · i64 retention_bytes ·
     * i64 segment_bytes · i64 segment_ms · i64 created_ms · u32 n · n × (i32 partition · str16 leader_id ·
     * u64 start_offset · u64 end_offset · u64 size_bytes · u32 segment_count)}. The first three fields are what the
     * Java SDK's decoder reads; the rest are effective settings and per-partition log state.
     */
    public void metadata(Session session, PayloadReader in, PayloadWriter out) {
        Topic t = topics.topic(in.str16("topic"));
        LogConfig c = topics.effectiveConfig(t);
        out.str16(t.name()).i32(t.partitionCount()).i32(t.settings().replicationFactor())
                .i64(c.retentionMs()).i64(c.retentionBytes()).i64(c.segmentBytes()).i64(c.segmentMs())
                .i64(t.createdMs());
        out.u32(t.partitionCount());
        for (int p = 0; p < t.partitionCount(); p++) {
            PartitionLog log = t.log(p);
            out.i32(p).str16(leadership.leader(t.name(), p).leaderId()).u64(log.startOffset()).u64(log.endOffset())
                    .u64(log.sizeInBytes()).u32(log.segmentCount());
        }
    }
}
