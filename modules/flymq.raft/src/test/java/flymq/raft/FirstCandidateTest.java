package flymq.raft;

import flymq.raft.transport.ClusterTransport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@link RaftGroupConfig#firstCandidate()}: the other founding members of a fresh group hold back their pre-votes, so
 * the named member leads; when it is absent the others elect one of them once the grace has passed.
 */
class FirstCandidateTest {

    private static final List<RaftMember> NODES = List.of(InProcessCluster.member(1), InProcessCluster.member(2),
            InProcessCluster.member(3));

    @Test
    void newGroupsAreLedByTheirFirstCandidate() throws Exception {
        int groupCount = 30;
        Map<String, List<RaftGroup<Long>>> groups = new LinkedHashMap<>();
        try (FaultyNetwork network = new FaultyNetwork()) {
            Map<String, ClusterTransport> transports = transports(network);
            try {
                for (int g = 0; g < groupCount; g++) {
                    String id = "g" + g;
                    String first = NODES.get(g % 3).id();
                    List<RaftGroup<Long>> members = new ArrayList<>();
                    // the first candidate starts last here: its peers must wait for it, not elect among themselves
                    for (int k = 1; k <= 3; k++) {
                        RaftMember n = NODES.get((g + k) % 3);
                        members.add(RaftGroup.start(config(n, id, first, Duration.ofSeconds(2)), transports.get(n.id()), new RegisterLog(),
                                null));
                    }
                    groups.put(id, members);
                }
                InProcessCluster.await("every group agreeing on a leader", Duration.ofSeconds(60),
                        () -> groups.values().stream().allMatch(m -> InProcessCluster.agreedLeader(m).isPresent()));
                for (Map.Entry<String, List<RaftGroup<Long>>> e : groups.entrySet()) {
                    int g = Integer.parseInt(e.getKey().substring(1));
                    assertEquals(NODES.get(g % 3).id(),
                            InProcessCluster.agreedLeader(e.getValue()).orElseThrow().localMember().id(), e.getKey());
                }
            } finally {
                groups.values().stream().flatMap(List::stream).forEach(RaftGroup::close);
            }
        }
    }

    @Test
    void withTheFirstCandidateAbsentTheOthersElectAfterTheGrace() throws Exception {
        try (FaultyNetwork network = new FaultyNetwork()) {
            Map<String, ClusterTransport> transports = transports(network);
            List<RaftGroup<Long>> members = new ArrayList<>();
            try {
                for (RaftMember n : NODES.subList(1, 3)) {
                    members.add(RaftGroup.start(config(n, "absent-first", NODES.get(0).id(),
                            RaftGroupConfig.DEFAULT_LEADER_HEARTBEAT_TIMEOUT), transports.get(n.id()),
                            new RegisterLog(), null));
                }
                InProcessCluster.await("n2 and n3 agreeing on a leader", Duration.ofSeconds(30),
                        () -> InProcessCluster.agreedLeader(members).isPresent());
                assertNotEquals(NODES.get(0).id(),
                        InProcessCluster.agreedLeader(members).orElseThrow().localMember().id());
            } finally {
                members.forEach(RaftGroup::close);
            }
        }
    }

    /** A 2 s leader timeout gives a 10 s grace: far longer than a first candidate needs on a loaded machine. */
    private static RaftGroupConfig config(RaftMember self, String groupId, String first, Duration leaderTimeout) {
        return RaftGroupConfig.builder(self, NODES).groupId(groupId).leaderHeartbeatTimeout(leaderTimeout)
                .firstCandidate(first).build();
    }

    private static Map<String, ClusterTransport> transports(FaultyNetwork network) {
        Map<String, ClusterTransport> transports = new LinkedHashMap<>();
        for (RaftMember n : NODES) {
            transports.put(n.id(), network.transportFor(n));
        }
        return transports;
    }
}
