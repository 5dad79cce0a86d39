package flymq.broker.cluster;

import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.ClusterMetadataRequest;
import flymq.protocol.message.ClusterMetadataResponse;
import flymq.protocol.message.ClusterStatusResponse;
import java.util.ArrayList;
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
     * CLUSTER_METADATA 0x53 (wire spec 4.15): {@link ClusterMetadataRequest} ({@code ""} or an empty payload = all
     * topics) → {@link ClusterMetadataResponse}.
     */
    public void metadata(Session session, PayloadReader in, PayloadWriter out) {
        String name = ClusterMetadataRequest.read(in).topic();
        Map<String, Integer> selected = name.isEmpty()
                ? topics.partitionCounts()
                : Map.of(name, topics.partitionCount(name));
        List<ClusterMetadataResponse.Topic> answer = new ArrayList<>(selected.size());
        for (Map.Entry<String, Integer> t : selected.entrySet()) {
            List<ClusterMetadataResponse.Partition> partitions = new ArrayList<>(t.getValue());
            for (int p = 0; p < t.getValue(); p++) {
                PartitionLeader l = leadership.leader(t.getKey(), p);
                partitions.add(new ClusterMetadataResponse.Partition(p, l.leaderId(), l.leaderAddr(), l.epoch(),
                        l.state(), l.replicas(), l.isr()));
            }
            answer.add(new ClusterMetadataResponse.Topic(t.getKey(), partitions));
        }
        new ClusterMetadataResponse(leadership.clusterId(), answer).write(out);
    }

    /**
     * CLUSTER_STATUS 0x52 (our layout, see docs/protocol.md): empty request → {@link ClusterStatusResponse}, always
     * with the progress block (one entry per node, same order) and the partitions this node leads with their
     * replicas' Raft positions. match_index and lag are -1 where this node does not know them (only the metadata
     * leader tracks its followers, only a partition's leader its replicas).
     */
    public void status(Session session, PayloadReader in, PayloadWriter out) {
        List<ClusterNode> nodes = leadership.nodes();
        List<ClusterStatusResponse.Node> listed = new ArrayList<>(nodes.size());
        List<ClusterStatusResponse.NodeProgress> progress = new ArrayList<>(nodes.size());
        for (ClusterNode n : nodes) {
            listed.add(new ClusterStatusResponse.Node(n.nodeId(), n.clientAddr(), n.clusterAddr(), n.state(),
                    n.leader()));
            progress.add(new ClusterStatusResponse.NodeProgress(n.nodeId(), n.role(), n.matchIndex(), n.lag()));
        }
        int partitions = 0;
        SortedMap<String, Integer> all = topics.partitionCounts();
        for (int count : all.values()) {
            partitions += count;
        }
        new ClusterStatusResponse(leadership.clusterId(), leadership.localNodeId(), leadership.controllerId(),
                leadership.term(), ready.getAsBoolean(), listed, all.size(), partitions,
                new ClusterStatusResponse.Progress(leadership.commitIndex(), progress), leadership.ledPartitions())
                .write(out);
    }
}
