package flymq.client;

import java.util.List;

/** CLUSTER_METADATA: the cluster id and, per topic, each partition's leader, epoch, state and replicas. */
public record ClusterMetadata(String clusterId, List<Topic> topics) {
    public ClusterMetadata {
        topics = List.copyOf(topics);
    }

    public record Topic(String name, List<Partition> partitions) {
        public Topic {
            partitions = List.copyOf(partitions);
        }
    }

    public record Partition(int partition, String leaderId, String leaderAddress, long epoch, String state,
                            List<String> replicas, List<String> isr) {
        public Partition {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    /** The named topic, if the answer contains it. */
    public java.util.Optional<Topic> topic(String name) {
        return topics.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
