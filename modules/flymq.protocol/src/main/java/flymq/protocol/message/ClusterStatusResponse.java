package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * CLUSTER_STATUS 0x52 response (our layout; upstream serves none) to an empty request: {@code str16 cluster_id ·
 * str16 node_id · str16 controller_id · u64 term · bool ready · u32 nodes · nodes × (str16 node_id ·
 * str16 client_addr · str16 cluster_addr · str16 state · bool controller) · u32 topic_count · u32 partition_count ·
 * [u64 commit_index · u32 n · n × (str16 node_id · str16 role · i64 match_index · i64 lag)]}. The trailing progress
 * block came later: a reader that stops after {@code partition_count} still works, and an answer without it reads
 * as {@code progress == null}. match_index and lag are -1 where the answering node does not know them.
 *
 * @param progress null when the answer has no progress block
 */
public record ClusterStatusResponse(String clusterId, String nodeId, String controllerId, long term, boolean ready,
                                    List<Node> nodes, int topicCount, int partitionCount, Progress progress)
        implements WireMessage {
    public ClusterStatusResponse {
        nodes = List.copyOf(nodes);
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
        return new ClusterStatusResponse(clusterId, nodeId, controller, term, ready, nodes, topics, partitions,
                progress);
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
    }

    @Override
    public int sizeHint() {
        return 128 + nodes.size() * 128;
    }
}
