package flymq.broker;

import static flymq.broker.TestPorts.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.node.BrokerNode;
import flymq.client.ClusterMembership;
import flymq.client.ClusterMetadata;
import flymq.client.ClusterStatus;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run-time membership (CLUSTER_MEMBERSHIP 0xCE, {@code flymq cluster join / leave}) on in-process nodes over
 * loopback: a fourth node joins a running three-node cluster, a node leaves, and a restart keeps the member list.
 */
class ClusterMembershipTest {
    private static final long WAIT_NANOS = 30_000_000_000L;

    @TempDir
    Path dir;

    private final Map<String, BrokerNode> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> clusterPorts = new LinkedHashMap<>();
    private String founders;

    @AfterEach
    void closeAll() {
        nodes.values().forEach(BrokerNode::close);
    }

    private void startFounders() throws IOException {
        for (int i = 1; i <= 3; i++) {
            clusterPorts.put("n" + i, freePort());
        }
        clusterPorts.put("n4", freePort());
        founders = "n1@127.0.0.1:" + clusterPorts.get("n1") + ",n2@127.0.0.1:" + clusterPorts.get("n2")
                + ",n3@127.0.0.1:" + clusterPorts.get("n3");
        for (int i = 1; i <= 3; i++) {
            start("n" + i);
        }
    }

    /** Starts {@code id} with the founders as peers: n4, not among them, starts as a joining node. */
    private BrokerNode start(String id) {
        // acks=all: an acknowledged record is committed by a majority, the promise a membership change must keep
        Map<String, String> f = Map.of("node_id", id, "bind_addr", "127.0.0.1:0",
                "cluster_addr", "127.0.0.1:" + clusterPorts.get(id), "peers", founders,
                "data_dir", dir.resolve(id).toString(), "performance.acks", "all");
        BrokerNode node = BrokerNode.start(BrokerConfig.load(null, Map.of(), f), BrokerListener.NONE);
        nodes.put(id, node);
        return node;
    }

    private void stop(String id) {
        nodes.remove(id).close();
    }


    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private FlyMqClient client(String id) {
        return FlyMqClient.connect("127.0.0.1:" + nodes.get(id).boundPort());
    }

    private String metadataLeader() throws InterruptedException {
        await("a metadata leader", () -> nodes.values().stream()
                .anyMatch(n -> n.metadataGroup().orElseThrow().isLeader()));
        return nodes.entrySet().stream().filter(e -> e.getValue().metadataGroup().orElseThrow().isLeader())
                .findFirst().orElseThrow().getKey();
    }

    private String aFollower() throws InterruptedException {
        String leader = metadataLeader();
        return nodes.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    }

    /** Retries {@code action} through node {@code via} while the cluster is still electing or registering. */
    private <T> T retrying(String via, String what, Function<FlyMqClient, T> action)
            throws InterruptedException {
        List<T> result = new ArrayList<>();
        await(what, () -> {
            try (FlyMqClient c = client(via)) {
                result.add(action.apply(c));
                return true;
            } catch (FlyMqServerException e) {
                System.out.println(what + ": retrying after " + e.getMessage());
                return false;
            }
        });
        return result.get(0);
    }

    /** Produces {@code count} records to every partition through {@code via}; returns the acknowledged values. */
    private Map<Integer, List<String>> produce(String via, String topic, int partitions, String prefix, int count)
            throws InterruptedException {
        Map<Integer, List<String>> acked = new LinkedHashMap<>();
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            for (int i = 0; i < count; i++) {
                String value = prefix + "-" + p + "-" + i;
                retrying(via, "produce " + value, c -> c.produce(topic, partition, null,
                        value.getBytes(StandardCharsets.UTF_8)));
                acked.computeIfAbsent(p, k -> new ArrayList<>()).add(value);
            }
        }
        return acked;
    }

    private List<String> readAll(String via, String topic, int partition) throws InterruptedException {
        return retrying(via, "read " + topic + "-" + partition, c -> {
            List<String> values = new ArrayList<>();
            long next = 0;
            while (true) {
                List<Message> batch = c.fetch(topic, partition, next, 500).records();
                if (batch.isEmpty()) {
                    return values;
                }
                batch.forEach(m -> values.add(new String(m.value(), StandardCharsets.UTF_8)));
                next = batch.get(batch.size() - 1).offset() + 1;
            }
        });
    }

    private ClusterMembership join(String via, String id) throws InterruptedException {
        String clusterAddr = "127.0.0.1:" + clusterPorts.get(id);
        String clientAddr = "127.0.0.1:" + nodes.get(id).boundPort();
        return retrying(via, "join " + id, c -> c.clusterJoin(id, clusterAddr, clientAddr));
    }

    @Test
    void joinedNodeCatchesUpIsListedAndHoldsReplicasOfNewTopics() throws Exception {
        startFounders();
        String follower = aFollower();
        retrying(follower, "create before", c -> {
            c.createTopic("before", 2);
            return null;
        });
        Map<Integer, List<String>> acked = produce(follower, "before", 2, "b", 20);
        retrying(follower, "commit", c -> {
            c.commit("before", "g", 0, 7);
            return null;
        });

        start("n4");
        ClusterMembership after = join(follower, "n4");

        assertTrue(after.members().contains(new ClusterMembership.Member("n4", "127.0.0.1:" + clusterPorts.get("n4"),
                true)), "n4 a voting member: " + after);
        assertEquals(4, after.members().size(), after.toString());
        await("n4 creating the topic from the metadata log", () -> {
            try (FlyMqClient c = client("n4")) {
                return c.listTopics().contains("before") && c.getOffset("before", "g", 0) == 7;
            } catch (FlyMqServerException e) {
                return false; // the group's commit is not applied on n4 yet
            }
        });
        for (String via : List.of("n1", "n4")) {
            ClusterStatus status = retrying(via, "status", FlyMqClient::clusterStatus);
            assertEquals(4, status.nodes().size(), "CLUSTER_STATUS on " + via + ": " + status);
            ClusterStatus.Node n4 = status.nodes().stream().filter(n -> n.nodeId().equals("n4")).findFirst()
                    .orElseThrow();
            assertEquals("127.0.0.1:" + nodes.get("n4").boundPort(), n4.clientAddress());
        }
        for (int p = 0; p < 2; p++) {
            assertEquals(acked.get(p), readAll("n4", "before", p), "partition " + p + " read through n4");
        }

        retrying("n4", "create after", c -> {
            c.createTopic("after", 4);
            return null;
        });
        await("every partition of 'after' led", () -> {
            try (FlyMqClient c = client("n1")) {
                return c.clusterMetadata("after").topics().get(0).partitions().stream()
                        .noneMatch(p -> p.leaderId().isEmpty());
            } catch (FlyMqServerException e) {
                return false; // n1 has not applied the create yet
            }
        });
        List<ClusterMetadata.Partition> parts;
        try (FlyMqClient c = client("n1")) {
            parts = c.clusterMetadata("after").topics().get(0).partitions();
        }
        int onN4 = parts.stream().filter(p -> p.replicas().contains("n4")).findFirst().orElseThrow(
                () -> new AssertionError("n4 holds no replica of a topic created after it joined: " + parts))
                .partition();
        Map<Integer, List<String>> more = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            String v = "a-" + i;
            retrying("n4", "produce " + v, c -> c.produce("after", onN4, null, v.getBytes(StandardCharsets.UTF_8)));
            more.computeIfAbsent(onN4, k -> new ArrayList<>()).add(v);
        }
        // acks=leader (the default) answers before the commit; reads show committed records, a heartbeat later
        await("the records produced through n4 readable through n2", () -> {
            try {
                return more.get(onN4).equals(readAll("n2", "after", onN4));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void leavingMetadataLeaderHandsOverIsRemovedEverywhereAndNoAcknowledgedRecordIsLost() throws Exception {
        startFounders();
        start("n4");
        join(aFollower(), "n4");
        retrying("n1", "create t", c -> {
            c.createTopic("t", 4);
            return null;
        });
        Map<Integer, List<String>> acked = produce("n2", "t", 4, "x", 10);

        String leaving = metadataLeader();
        String via = nodes.keySet().stream().filter(id -> !id.equals(leaving)).findFirst().orElseThrow();
        ClusterMembership after = retrying(via, "leave " + leaving, c -> c.clusterLeave(leaving));

        assertEquals(3, after.members().size(), after.toString());
        assertTrue(after.members().stream().noneMatch(m -> m.nodeId().equals(leaving)), after.toString());
        await("every partition group without " + leaving, () -> {
            try (FlyMqClient c = client(via)) {
                return c.clusterMetadata("t").topics().get(0).partitions().stream()
                        .allMatch(p -> !p.replicas().contains(leaving) && !p.leaderId().isEmpty()
                                && !p.leaderId().equals(leaving));
            } catch (FlyMqServerException e) {
                return false;
            }
        });
        await(leaving + " out of every partition group on the remaining nodes", () -> nodes.entrySet().stream()
                .filter(e -> !e.getKey().equals(leaving)).allMatch(e -> e.getValue().metadataGroup().orElseThrow()
                        .effectiveMembers().member(leaving).isEmpty()));
        stop(leaving);

        Map<Integer, List<String>> later = produce(via, "t", 4, "y", 5);
        for (int p = 0; p < 4; p++) {
            List<String> expected = new ArrayList<>(acked.get(p));
            expected.addAll(later.get(p));
            for (String reader : nodes.keySet()) {
                assertEquals(expected, readAll(reader, "t", p), "t-" + p + " read through " + reader);
            }
        }
        ClusterStatus status = retrying(via, "status", FlyMqClient::clusterStatus);
        assertEquals(3, status.nodes().size(), status.toString());
        assertFalse(status.controllerId().equals(leaving), status.toString());
    }

    @Test
    void joinedMemberIsStillAMemberAfterEveryNodeRestarts() throws Exception {
        startFounders();
        start("n4");
        join(aFollower(), "n4");
        for (String id : List.of("n1", "n2", "n3", "n4")) {
            stop(id);
        }
        // same configuration as before: peers still name only the founders
        for (String id : List.of("n1", "n2", "n3", "n4")) {
            start(id);
        }
        ClusterStatus status = retrying("n1", "status with a leader", c -> {
            ClusterStatus s = c.clusterStatus();
            if (s.controllerId().isEmpty()) {
                throw new FlyMqServerException("CLUSTER_STATUS", "no controller yet");
            }
            return s;
        });
        assertEquals(List.of("n1", "n2", "n3", "n4"), status.nodes().stream().map(ClusterStatus.Node::nodeId)
                .sorted().toList(), status.toString());
        await("n4 restored as a voter", () -> nodes.get("n4").metadataGroup().orElseThrow().effectiveMembers()
                .votingMembers().stream().anyMatch(m -> m.id().equals("n4")));
    }

    @Test
    void statusOnTheLeaderReportsEveryNodesRoleAndLagAndAFollowerLeavesThemUnknown() throws Exception {
        startFounders();
        start("n4");
        join(aFollower(), "n4");
        String leader = metadataLeader();
        await("every node caught up in the leader's CLUSTER_STATUS", () -> {
            try (FlyMqClient c = client(leader)) {
                ClusterStatus s = c.clusterStatus();
                return s.nodes().size() == 4 && s.nodes().stream().allMatch(n -> n.lag() == 0 && n.matchIndex() > 0)
                        && s.commitIndex() > 0;
            }
        });
        try (FlyMqClient c = client(leader)) {
            ClusterStatus s = c.clusterStatus();
            assertEquals(List.of("follower", "follower", "follower", "leader"), s.nodes().stream()
                    .map(ClusterStatus.Node::role).sorted().toList(), s.toString());
            assertEquals(leader, s.nodes().stream().filter(n -> n.role().equals("leader")).findFirst()
                    .orElseThrow().nodeId());
        }
        String follower = aFollower();
        try (FlyMqClient c = client(follower)) {
            ClusterStatus s = c.clusterStatus();
            assertTrue(s.nodes().stream().allMatch(n -> n.matchIndex() == -1 && n.lag() == -1), s.toString());
            assertTrue(s.term() >= 1, s.toString());
        }
    }

    @Test
    void leaveOfANonMemberNamesTheMembers() throws Exception {
        startFounders();
        FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> {
            try (FlyMqClient c = client(aFollower())) {
                await("an answer other than not-leader", () -> {
                    try {
                        c.clusterLeave("n9");
                        return true;
                    } catch (FlyMqServerException ex) {
                        if (ex.getMessage().contains("not leader")) {
                            return false;
                        }
                        throw ex;
                    }
                });
            }
        });
        assertTrue(e.getMessage().contains("node n9 is not a member of the cluster (members: n1,n2,n3)"),
                e.getMessage());
    }

    @Test
    void joinWithAClusterAddressOfAnotherMemberIsRefused() throws Exception {
        startFounders();
        String taken = "127.0.0.1:" + clusterPorts.get("n2");
        FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> {
            try (FlyMqClient c = client(metadataLeader())) {
                await("an answer other than not-leader", () -> {
                    try {
                        c.clusterJoin("n7", taken, "");
                        return true;
                    } catch (FlyMqServerException ex) {
                        if (ex.getMessage().contains("not leader")) {
                            return false;
                        }
                        throw ex;
                    }
                });
            }
        });
        assertTrue(e.getMessage().contains("cluster address " + taken + " belongs to member n2@" + taken),
                e.getMessage());
    }
}
