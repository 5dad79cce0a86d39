package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * CLUSTER_METADATA 0x53 response (wire spec 4.15): {@code str16 cluster_id · u32 topics · topics × (str16 topic ·
 * u32 partitions · partitions × (i32 partition · str16 leader_id · str16 leader_addr · u64 epoch · str16 state ·
 * list<str16> replicas · list<str16> isr))}.
 */
public record ClusterMetadataResponse(String clusterId, List<Topic> topics) implements WireMessage {
    public ClusterMetadataResponse {
        topics = List.copyOf(topics);
    }

    public record Topic(String name, List<Partition> partitions) {
        public Topic {
            partitions = List.copyOf(partitions);
        }
    }

    public record Partition(int partition, String leaderId, String leaderAddr, long epoch, String state,
                            List<String> replicas, List<String> isr) {
        public Partition {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    public static ClusterMetadataResponse read(PayloadReader in) {
        String clusterId = in.str16("cluster_id");
        int nt = in.count("topic", 6);
        List<Topic> topics = new ArrayList<>(nt);
        for (int t = 0; t < nt; t++) {
            String name = in.str16("topic");
            int np = in.count("partition", 26);
            List<Partition> parts = new ArrayList<>(np);
            for (int p = 0; p < np; p++) {
                parts.add(new Partition(in.i32("partition"), in.str16("leader_id"), in.str16("leader_addr"),
                        in.u64("epoch"), in.str16("state"), Lists.readStrings(in, "replicas"),
                        Lists.readStrings(in, "isr")));
            }
            topics.add(new Topic(name, parts));
        }
        return new ClusterMetadataResponse(clusterId, topics);
    }

    @Override
    public void write(PayloadWriter out) {
        out.str16(clusterId).u32(topics.size());
        for (Topic t : topics) {
            out.str16(t.name()).u32(t.partitions().size());
            for (Partition p : t.partitions()) {
                out.i32(p.partition()).str16(p.leaderId()).str16(p.leaderAddr()).u64(p.epoch()).str16(p.state());
                Lists.writeStrings(out, p.replicas());
                Lists.writeStrings(out, p.isr());
            }
        }
    }

    @Override
    public int sizeHint() {
        int n = clusterId.length() * 3 + 6;
        for (Topic t : topics) {
            n += t.name().length() * 3 + 6 + t.partitions().size() * 96;
        }
        return n;
    }
}
