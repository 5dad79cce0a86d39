package flymq.client;

import java.util.List;

/** The cluster's members after a {@code cluster join} or {@code cluster leave} (extension CLUSTER_MEMBERSHIP 0xCE). */
public record ClusterMembership(List<Member> members) {
    public ClusterMembership {
        members = List.copyOf(members);
    }

    /** @param voting false while a joining node is still a learner (it receives the log but does not vote) */
    public record Member(String nodeId, String clusterAddress, boolean voting) {
    }
}
