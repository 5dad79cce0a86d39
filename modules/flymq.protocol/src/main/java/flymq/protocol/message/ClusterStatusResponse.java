package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * CLUSTER_STATUS 0x52 response (our layout; upstream serves none) to an empty request: {@code str16 cluster_id ·
 * str16 node_id · str16 controller_id · u64 term · bool ready · u32 nodes · nodes × (str16 node_id ·
 * str16 client_addr · str16 cluster_addr · str16 state · bool controller) · u32 topic_count · u32 partition_count ·
 * [u64 commit_index · u32 n · n × (str16 node_id · str16 role · i64 match_index · i64 lag) · [u32 p · p ×
 * (str16 topic · i32 partition · u64 last_index · u32 r · r × (str16 node_id · i64 match_index · i64 lag ·
 * bool in_sync))]]}. The trailing progress block came later: a reader that stops after {@code partition_count} still
 * works, and an answer without it reads as {@code progress == null}. match_index and lag are -1 where the answering
 * node does not know them. The led-partitions block came later still: the partitions the answering node leads, with
 * each replica's position in the partition's Raft log as this leader tracks it (lag in log entries, i.e. produced
 * batches); only a partition's leader knows them, so a full picture takes every node's answer.
 *
 * @param progress null when the answer has no progress block
 * @param led      the led-partitions block; null when the answer has none
 */
public record ClusterStatusResponse(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                                    List<Node> nodes, int topicCount, int partitionCount, Progress progress,
                                    List<LedPartition> led)
        implements WireMessage {
    public ClusterStatusResponse {
        nodes = List.copyOf(nodes);
        led = led == null ? null : List.copyOf(led);
        if (led != null && progress == null) {
            throw new IllegalArgumentException("the led-partitions block follows the progress block");
        }
    }

    /** An answer without the led-partitions block. */
    public ClusterStatusResponse(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                                 List<Node> nodes, int topicCount, int partitionCount, Progress progress) {
        this(clusterId, nodeId, controllerId, term, ready, nodes, topicCount, partitionCount, progress, null);
    }

    /** A partition the answering node leads, and where each of its replicas stands in the partition's Raft log. */
    public record LedPartition(String topic, int partition, long lastIndex, List<ReplicaProgress> replicas) {
        public LedPartition {
            replicas = List.copyOf(replicas);
        }
    }

    /** @param inSync whether the replica acknowledged the leader within the in-sync window (the ISR) */
    public record ReplicaProgress(String nodeId, long matchIndex, long lag, boolean inSync) {
    }

    public record Node(String nodeId, String clientAddr, String clusterAddr, String state, boolean leader) {
    }

    public record Progress(long commitIndex, List<NodeProgress> nodes) {
        public Progress {
            nodes = List.copyOf(nodes);
        }
    }

    public record NodeProgress(String nodeId, String role, long matchIndex, long lag) {
    }

    public static ClusterStatusResponse read(PayloadReader in) {
        String clusterId = in.str16("cluster_id");
        String nodeId = in.str16("node_id");
        String controller = in.str16("controller_id");
        long term = in.u64("term");
        boolean ready = in.bool("ready");
        int n = in.count("node", 9);
        List<Node> nodes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            nodes.add(new Node(in.str16("node_id"), in.str16("client_addr"), in.str16("cluster_addr"),
                    in.str16("state"), in.bool("leader")));
        }
        int topics = in.i32("topics");
        int partitions = in.i32("partitions");
        Progress progress = null;
        if (in.hasRemaining()) {
            long commitIndex = in.u64("commit_index");
            int m = in.count("progress", 20);
            List<NodeProgress> p = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
                p.add(new NodeProgress(in.str16("node_id"), in.str16("role"), in.i64("match_index"), in.i64("lag")));
            }
            progress = new Progress(commitIndex, p);
        }
        List<LedPartition> led = null;
        if (progress != null && in.hasRemaining()) {
            int k = in.count("led partitions", 18);
            led = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                String topic = in.str16("topic");
                int partition = in.i32("partition");
                long last = in.u64("last_index");
                int r = in.count("replicas", 19);
                List<ReplicaProgress> replicas = new ArrayList<>(r);
                for (int j = 0; j < r; j++) {
                    replicas.add(new ReplicaProgress(in.str16("node_id"), in.i64("match_index"), in.i64("lag"),
                            in.bool("in_sync")));
                }
                led.add(new LedPartition(topic, partition, last, replicas));
            }
        }
        return new ClusterStatusResponse(clusterId, nodeId, controller, term, ready, nodes, topics, partitions,
                progress, led);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(clusterId).str16(nodeId).str16(controllerId).u64(term).bool(ready).u32(nodes.size());
        for (Node node : nodes) {
            out.str16(node.nodeId()).str16(node.clientAddr()).str16(node.clusterAddr()).str16(node.state())
                    .bool(node.leader());
        }
        out.u32(topicCount).u32(partitionCount);
        if (progress != null) {
            out.u64(progress.commitIndex()).u32(progress.nodes().size());
            for (NodeProgress p : progress.nodes()) {
                out.str16(p.nodeId()).str16(p.role()).i64(p.matchIndex()).i64(p.lag());
            }
        }
        if (led != null) {
            out.u32(led.size());
            for (LedPartition p : led) {
                out.str16(p.topic()).i32(p.partition()).u64(p.lastIndex()).u32(p.replicas().size());
                for (ReplicaProgress r : p.replicas()) {
                    out.str16(r.nodeId()).i64(r.matchIndex()).i64(r.lag()).bool(r.inSync());
                }
            }
        }
    }

    @Override
    public int sizeHint() {
        return 128 + nodes.size() * 128 + (led == null ? 0 : led.size() * 160);
    }
}
