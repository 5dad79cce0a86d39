package flymq.broker.topic;

import flymq.broker.cluster.PartitionLeadership;
import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.AlterTopicRequest;
import flymq.protocol.message.CreatePartitionsRequest;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.DeleteTopicRequest;
import flymq.protocol.message.ListTopicsResponse;
import flymq.protocol.message.SuccessResponse;
import flymq.protocol.message.TopicMetadataRequest;
import flymq.protocol.message.TopicMetadataResponse;
import flymq.storage.LogConfig;
import flymq.storage.PartitionLog;
import java.util.ArrayList;
import java.util.List;

/**
 * The topic opcodes CREATE_TOPIC, DELETE_TOPIC, LIST_TOPICS, METADATA and (our extension) ALTER_TOPIC; one method per
 * opcode.
 */
public final class TopicRequests {
    private final TopicManager topics;
    private final PartitionLeadership leadership;
    private final RecordExpiry expiry;

    public TopicRequests(TopicManager topics, PartitionLeadership leadership) {
        this(topics, leadership, null);
    }

    /** @param expiry the broker's TTL default, so METADATA can tell a topic's effective TTL (null: not told) */
    public TopicRequests(TopicManager topics, PartitionLeadership leadership, RecordExpiry expiry) {
        this.topics = topics;
        this.leadership = leadership;
        this.expiry = expiry;
    }

    /**
     * ALTER_TOPIC 0xC4 on a single node: {@link AlterTopicRequest} → {@link SuccessResponse}. Every key is checked
     * before anything changes.
     */
    public void alter(Session session, PayloadReader in, PayloadWriter out) {
        AlterTopicRequest r = AlterTopicRequest.read(in);
        topics.alter(r.topic(), r.settings());
        SuccessResponse.OK.write(out);
    }

    /**
     * CREATE_PARTITIONS 0xC5 on a single node: {@link CreatePartitionsRequest} → {@link SuccessResponse}; the topic
     * grows to the given count ({@link TopicManager#growPartitions}), the same count changes nothing, fewer is
     * refused.
     */
    public void createPartitions(Session session, PayloadReader in, PayloadWriter out) {
        CreatePartitionsRequest r = CreatePartitionsRequest.read(in);
        topics.growPartitions(r.topic(), r.partitions());
        SuccessResponse.OK.write(out);
    }

    /**
     * CREATE_TOPIC 0x03: {@link CreateTopicRequest} → {@link SuccessResponse}. The settings block is our extension
     * (the SDKs send only topic and partitions); -1 in it means the broker default.
     */
    public void create(Session session, PayloadReader in, PayloadWriter out) {
        CreateTopicRequest r = CreateTopicRequest.read(in);
        TopicSettings settings = TopicSettings.ofPartitions(r.partitions());
        CreateTopicRequest.Settings s = r.settings();
        if (s != null) {
            settings = new TopicSettings(r.partitions(), s.replicationFactor(), s.retentionMs(), s.retentionBytes(),
                    s.segmentBytes(), s.segmentMs(), s.ttlMs());
        }
        topics.create(r.topic(), settings);
        SuccessResponse.OK.write(out);
    }

    /** DELETE_TOPIC 0x09: {@link DeleteTopicRequest} → {@link SuccessResponse}; deleting a missing topic succeeds. */
    public void delete(Session session, PayloadReader in, PayloadWriter out) {
        topics.delete(DeleteTopicRequest.read(in).topic());
        SuccessResponse.OK.write(out);
    }

    /** LIST_TOPICS 0x08: empty → {@link ListTopicsResponse}, sorted, without names starting with {@code __}. */
    public void list(Session session, PayloadReader in, PayloadWriter out) {
        new ListTopicsResponse(topics.names().stream().filter(n -> !n.startsWith("__")).toList()).write(out);
    }

    /**
     * METADATA 0x04 (our layout, see docs/protocol.md): {@link TopicMetadataRequest} → {@link TopicMetadataResponse}:
     * the Java SDK decoder's three fields, then effective settings and per-partition log state.
     */
    public void metadata(Session session, PayloadReader in, PayloadWriter out) {
        Topic t = topics.topic(TopicMetadataRequest.read(in).topic());
        LogConfig c = topics.effectiveConfig(t);
        List<TopicMetadataResponse.Partition> partitions = new ArrayList<>(t.partitionCount());
        for (int p = 0; p < t.partitionCount(); p++) {
            PartitionLog log = t.log(p);
            partitions.add(new TopicMetadataResponse.Partition(p, leadership.leader(t.name(), p).leaderId(),
                    log.startOffset(), log.endOffset(), log.sizeInBytes(), log.segmentCount()));
        }
        new TopicMetadataResponse(t.name(), t.partitionCount(), t.settings().replicationFactor(), c.retentionMs(),
                c.retentionBytes(), c.segmentBytes(), c.segmentMs(), t.createdMs(), partitions,
                expiry == null ? -1 : expiry.ttlMs(t)).write(out);
    }
}
