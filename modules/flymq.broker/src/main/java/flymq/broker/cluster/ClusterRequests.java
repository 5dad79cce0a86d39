package flymq.broker.cluster;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.broker.server.Session;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.BooleanSupplier;

/** CLUSTER_METADATA 0x53 and CLUSTER_STATUS 0x52. */
public final class ClusterRequests {
    private final TopicCatalog topics;
    private final PartitionLeadership leadership;
    private final BooleanSupplier ready;

    public ClusterRequests(TopicCatalog topics, PartitionLeadership leadership, BooleanSupplier ready) {
        this.topics = topics;
        this.leadership = leadership;
        this.ready = ready;
    }

    /**
     * CLUSTER_METADATA 0x53 (wire spec 4.15): {@code str16 topic} ({@code ""} or an empty payload = all topics) →
     * {@code str16 cluster_id · u32 topics · topics × (str16 topic · u32 partitions · partitions × (i32 partition ·
     * str16 leader_id · str16 leader_addr · u64 epoch · str16 state · list<str16> replicas · list<str16> isr))}.
     */
    public void metadata(Session session, PayloadReader in, PayloadWriter out) {
        String name = in.remaining() >= 2 ? in.str16("topic") : "";
        Map<String, Integer> selected = name.isEmpty()
                ? topics.partitionCounts()
                : Map.of(name, topics.partitionCount(name));
        out.str16(leadership.clusterId()).u32(selected.size());
        for (Map.Entry<String, Integer> t : selected.entrySet()) {
            out.str16(t.getKey()).u32(t.getValue());
            for (int p = 0; p < t.getValue(); p++) {
                PartitionLeader l = leadership.leader(t.getKey(), p);
                out.i32(p).str16(l.leaderId()).str16(l.leaderAddr()).u64(l.epoch()).str16(l.state())
                        .strList(l.replicas()).strList(l.isr());
            }
        }
    }

    /**
     * CLUSTER_STATUS 0x52 (our layout, see docs/protocol.md): empty request →
     * {@code str16 cluster_id · str16 node_id · str16 controller_id · u64 term · bool ready · u32 nodes ·
     * nodes × (str16 node_id · str16 client_addr · str16 cluster_addr · str16 state · bool controller) ·
     * u32 topic_count · u32 partition_count · u64 commit_index · u32 n · n × (str16 node_id · str16 role ·
     * i64 match_index · i64 lag)}. The trailing progress block (one entry per node, same order) came later: a reader
     * that stops after partition_count still works. match_index and lag are -1 where this node does not know them
     * (only the metadata leader tracks its followers).
     */
    public void status(Session session, PayloadReader in, PayloadWriter out) {
        out.str16(leadership.clusterId()).str16(leadership.localNodeId()).str16(leadership.controllerId())
                .u64(leadership.term()).bool(ready.getAsBoolean());
        List<ClusterNode> nodes = leadership.nodes();
        out.u32(nodes.size());
        for (ClusterNode n : nodes) {
            out.str16(n.nodeId()).str16(n.clientAddr()).str16(n.clusterAddr()).str16(n.state()).bool(n.leader());
        }
        int partitions = 0;
        SortedMap<String, Integer> all = topics.partitionCounts();
        for (int count : all.values()) {
            partitions += count;
        }
        out.u32(all.size()).u32(partitions);
        out.u64(leadership.commitIndex()).u32(nodes.size());
        for (ClusterNode n : nodes) {
            out.str16(n.nodeId()).str16(n.role()).i64(n.matchIndex()).i64(n.lag());
        }
    }
}
