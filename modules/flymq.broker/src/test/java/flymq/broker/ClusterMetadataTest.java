package flymq.broker;

import static flymq.broker.TestPorts.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.node.BrokerNode;
import flymq.client.ClusterMetadata;
import flymq.client.ClusterStatus;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.NotLeaderException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three in-process nodes on loopback forming a cluster from configuration alone (peers, node_id, cluster_addr). */
class ClusterMetadataTest {
    @TempDir
    Path dir;

    private final List<BrokerNode> nodes = new ArrayList<>(List.of());
    private final List<Map<String, String>> flags = new ArrayList<>();

    @AfterEach
    void closeAll() {
        nodes.forEach(n -> {
            if (n != null) {
                n.close();
            }
        });
    }

    private void startCluster() throws IOException {
        // A port picked free can be taken by an outgoing connection's ephemeral port before the node binds it.
        for (int attempt = 1; ; attempt++) {
            try {
                startClusterOnce();
                return;
            } catch (UncheckedIOException e) {
                Throwable root = e;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                if (attempt == 3 || !(root instanceof BindException)) {
                    throw e;
                }
                closeAll();
                nodes.clear();
                flags.clear();
                dir = dir.resolve("retry" + attempt);
            }
        }
    }

    private void startClusterOnce() throws IOException {
        int[] ports = {freePort(), freePort(), freePort()};
        String peers = "n1@127.0.0.1:" + ports[0] + ",n2@127.0.0.1:" + ports[1] + ",n3@127.0.0.1:" + ports[2];
        for (int i = 0; i < 3; i++) {
            // acks=all for 1.26 PRODUCE: these tests close leaders and expect every answered record to survive
            // (the default, acks=leader, answers before the commit and may lose it; ClusterReplicationTest)
            flags.add(Map.of("node_id", "n" + (i + 1), "bind_addr", "127.0.0.1:0",
                    "cluster_addr", "127.0.0.1:" + ports[i], "peers", peers,
                    "data_dir", dir.resolve("n" + (i + 1)).toString(), "performance.acks", "all"));
        }
        for (Map<String, String> f : flags) {
            nodes.add(BrokerNode.start(BrokerConfig.load(null, Map.of(), f), BrokerListener.NONE));
        }
    }


    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private int leaderIndex() throws InterruptedException {
        await("a metadata leader", () -> live().anyMatch(n -> n.metadataGroup().orElseThrow().isLeader()));
        for (int i = 0; i < nodes.size(); i++) {
            BrokerNode n = nodes.get(i);
            if (n != null && n.metadataGroup().orElseThrow().isLeader()) {
                return i;
            }
        }
        throw new AssertionError("leader vanished");
    }

    private Stream<BrokerNode> live() {
        return nodes.stream().filter(n -> n != null);
    }

    private FlyMqClient client(int i) {
        return FlyMqClient.connect("127.0.0.1:" + nodes.get(i).boundPort());
    }

    private boolean allList(String topic, boolean present) {
        return live().allMatch(n -> {
            try (FlyMqClient c = FlyMqClient.connect("127.0.0.1:" + n.boundPort())) {
                return c.listTopics().contains(topic) == present;
            }
        });
    }

    private static void awaitRegistered(FlyMqClient c) throws InterruptedException {
        await("every client address registered", () -> c.clusterStatus().nodes().stream()
                .noneMatch(n -> n.clientAddress().isEmpty()));
    }

    /** Index of the node leading the partition's Raft group, once one is elected (as seen by a live node). */
    private int ownerOf(String topic, int partition) throws InterruptedException {
        int viewer = nodes.indexOf(live().findFirst().orElseThrow());
        try (FlyMqClient c = client(viewer)) {
            String[] id = {""};
            await("a leader of " + topic + "-" + partition, () -> {
                id[0] = c.clusterMetadata(topic).topics().get(0).partitions().get(partition).leaderId();
                return !id[0].isEmpty() && nodes.get(Integer.parseInt(id[0].substring(1)) - 1) != null;
            });
            return Integer.parseInt(id[0].substring(1)) - 1;
        }
    }

    /** Produces through the partition's leader, retrying while an election is still settling. */
    private void produceWhenLed(String topic, String value) throws InterruptedException {
        await("produce to " + topic, () -> {
            try (FlyMqClient c = client(ownerOf(topic, 0))) {
                c.produce(topic, 0, null, value.getBytes());
                return true;
            } catch (FlyMqServerException e) {
                System.out.println("retrying: " + e.getMessage());
                return false;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void topicCreatedOnAFollowerIsForwardedAndVisibleOnEveryNode() throws Exception {
        startCluster();
        int leader = leaderIndex();
        int follower = (leader + 1) % 3;
        // The follower forwards once it knows the leader's client address (registered through the group).
        await("follower create", () -> {
            try (FlyMqClient c = client(follower)) {
                c.createTopic("orders", 3);
                return true;
            } catch (FlyMqServerException e) {
                assertTrue(e.getMessage().contains("not leader"), e.getMessage());
                return false;
            }
        });
        await("orders on every node", () -> allList("orders", true));

        try (FlyMqClient c = client((leader + 2) % 3)) {
            awaitRegistered(c);
            await("every partition led, seen from this node", () -> c.clusterMetadata("orders").topics().get(0)
                    .partitions().stream().noneMatch(p -> p.leaderId().isEmpty()));
            ClusterMetadata md = c.clusterMetadata("orders");
            List<ClusterMetadata.Partition> parts = md.topics().get(0).partitions();
            assertEquals(3, parts.size());
            for (ClusterMetadata.Partition p : parts) {
                int owner = Integer.parseInt(p.leaderId().substring(1)) - 1;
                assertEquals("127.0.0.1:" + nodes.get(owner).boundPort(), p.leaderAddress());
                assertEquals(3, p.replicas().size(), "default replication factor on three nodes");
                assertTrue(p.epoch() >= 1);
                assertTrue(p.isr().contains(p.leaderId()), p.isr().toString());
            }
            ClusterStatus st = c.clusterStatus();
            assertEquals("n" + (leader + 1), st.controllerId());
            assertEquals(3, st.nodes().size());
            assertTrue(st.term() >= 1);
        }

        try (FlyMqClient c = client(follower)) {
            c.deleteTopic("orders");
        }
        await("orders gone everywhere", () -> allList("orders", false));
    }

    /** A request the cluster may refuse while an election settles (on a loaded machine leadership can move). */
    private interface Request {
        void send(FlyMqClient c);
    }

    /**
     * Sends an idempotent request (create topic, commit) through node {@code i} until it is answered: a refusal for
     * leadership ("not leader", "outcome unknown") is repeated, since repeating it cannot change the result.
     */
    private void idempotent(int i, String what, Request request) throws InterruptedException {
        await(what, () -> {
            try (FlyMqClient c = client(i)) {
                request.send(c);
                return true;
            } catch (FlyMqServerException e) {
                System.out.println("retrying " + what + ": " + e.getMessage());
                return false;
            }
        });
    }

    /** Sends a produce through node {@code i}, repeating only a definite "not leader" refusal (nothing appended). */
    private long produceUnlessAppended(int i, String topic, String value) throws InterruptedException {
        long[] offset = {-1};
        await("produce " + value + " to " + topic, () -> {
            try (FlyMqClient c = client(i)) {
                offset[0] = c.produce(topic, value.getBytes()).offset();
                return true;
            } catch (NotLeaderException e) {
                System.out.println("retrying: " + e.getMessage());
                return false;
            }
        });
        return offset[0];
    }

    private int createSinglePartitionTopic(String name) throws InterruptedException {
        int via = leaderIndex();
        idempotent(via, "create " + name, c -> c.createTopic(name, 1));
        try (FlyMqClient c = client(via)) {
            awaitRegistered(c);
        }
        await(name + " everywhere", () -> allList(name, true));
        return ownerOf(name, 0);
    }

    @Test
    void produceAndConsumeThroughAnyNodeReachThePartitionOwner() throws Exception {
        startCluster();
        int owner = createSinglePartitionTopic("single");
        int a = (owner + 1) % 3;
        int b = (owner + 2) % 3;
        // node a may learn the partition's leader a moment after the viewer that ownerOf asked
        assertEquals(0, produceUnlessAppended(a, "single", "via-a"));
        try (FlyMqClient c = client(owner)) {
            assertEquals(1, c.produce("single", 0, null, "via-owner".getBytes()).offset());
        }
        try (FlyMqClient c = client(b)) {
            assertEquals("via-a", new String(c.consume("single", 0, 0).value()));
            assertEquals(2, c.fetch("single", 0, 0, 10).records().size());
        }
    }

    @Test
    void partitionLeaderLossElectsANewLeaderAndKeepsAcknowledgedRecords() throws Exception {
        startCluster();
        int owner = createSinglePartitionTopic("replicated");
        for (int i = 0; i < 3; i++) {
            assertEquals(i, produceUnlessAppended((owner + 1) % 3, "replicated", "r" + i));
        }
        nodes.get(owner).close();
        nodes.set(owner, null);
        int next = ownerOf("replicated", 0);
        assertNotEquals(owner, next);
        assertEquals(3, produceUnlessAppended(3 - owner - next, "replicated", "after"));
        try (FlyMqClient c = client(next)) {
            List<String> values = c.fetch("replicated", 0, 0, 10).records().stream()
                    .map(m -> new String(m.value())).toList();
            assertEquals(List.of("r0", "r1", "r2", "after"), values);
        }
    }

    @Test
    void leaderLossElectsANewLeaderAndMetadataWritesContinue() throws Exception {
        startCluster();
        int leader = leaderIndex();
        String oldLeader = "n" + (leader + 1);
        nodes.get(leader).close();
        nodes.set(leader, null);
        int next = leaderIndex();
        assertNotEquals(leader, next);
        int follower = 3 - leader - next;
        await("create after failover", () -> {
            try (FlyMqClient c = client(follower)) {
                c.createTopic("after-failover", 2);
                return true;
            } catch (FlyMqServerException e) {
                return false; // the new leader's address may not be registered yet
            }
        });
        await("after-failover on both live nodes", () -> allList("after-failover", true));
        try (FlyMqClient c = client(next)) {
            assertNotEquals(oldLeader, c.clusterStatus().controllerId());
            assertTrue(c.clusterStatus().nodes().stream()
                    .anyMatch(n -> n.nodeId().equals(oldLeader) && n.state().equals("offline")));
        }
    }

    @Test
    void wholeClusterRestartKeepsTopics() throws Exception {
        startCluster();
        int leader = leaderIndex();
        try (FlyMqClient c = client(leader)) {
            c.createTopic("kept", 2);
            c.createTopic("dropped", 1);
            c.deleteTopic("dropped");
            c.createTopic("dropped", 1); // re-created: the replayed delete must not remove it again
        }
        await("topics everywhere", () -> allList("kept", true) && allList("dropped", true));
        produceWhenLed("dropped", "survives");
        closeAll();
        nodes.clear();
        for (Map<String, String> f : flags) {
            nodes.add(BrokerNode.start(BrokerConfig.load(null, Map.of(), f), BrokerListener.NONE));
        }
        leaderIndex();
        await("topics after restart", () -> allList("kept", true) && allList("dropped", true));
        try (FlyMqClient c = client(0)) {
            // client ports are ephemeral: each node re-registers its new address through the group
            await("new client addresses registered", () -> c.clusterStatus().nodes().stream().allMatch(n ->
                    n.clientAddress().equals("127.0.0.1:" + nodes.get(Integer.parseInt(n.nodeId().substring(1)) - 1)
                            .boundPort())));
        }
        try (FlyMqClient c = client(0)) {
            await("assignment replayed", () -> !c.clusterMetadata("dropped").topics().get(0).partitions().get(0)
                    .leaderId().isEmpty());
        }
        try (FlyMqClient c = client(ownerOf("dropped", 0))) {
            assertEquals("survives", new String(c.consume("dropped", 0, 0).value()));
        }
    }

    @Test
    void everyClusterNodeServesTransactionsThroughTheOneCoordinator() throws Exception {
        startCluster();
        leaderIndex();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            try (FlyMqClient c = client(i)) {
                // until the node knows the metadata leader's client address and the coordinator has started
                flymq.client.FlyMqTransaction[] tx = {null};
                await("node " + i + " forwarding BEGIN_TX to the coordinator", () -> {
                    try {
                        tx[0] = c.beginTransaction();
                        return true;
                    } catch (FlyMqServerException e) {
                        return false;
                    }
                });
                // ids come from the one coordinator's replicated counter: never the same twice in the cluster
                assertTrue(ids.add(tx[0].id()), "id " + tx[0].id() + " handed out twice: " + ids);
                tx[0].commit();
            }
        }
    }

    @Test
    void aTopicCreatedWithAReplicationFactorHasThatManyReplicas() throws Exception {
        startCluster();
        int leader = leaderIndex();
        idempotent(leader, "create two-copies", c -> c.createTopic("two-copies", 2, 2));
        idempotent(leader, "create default-copies", c -> c.createTopic("default-copies", 1));
        try (FlyMqClient c = client(leader)) {
            assertEquals(2, c.metadata("two-copies").replicationFactor());
            for (var p : c.clusterMetadata("two-copies").topics().get(0).partitions()) {
                assertEquals(2, p.replicas().size(), p.toString());
            }
            assertEquals(3, c.metadata("default-copies").replicationFactor(), "the cluster default, 3 of 3 nodes");
        }
    }

    @Test
    void offsetCommittedOnOneNodeIsReadOnEveryNode() throws Exception {
        startCluster();
        int leader = leaderIndex();
        idempotent(leader, "create events", c -> c.createTopic("events", 1));
        try (FlyMqClient c = client(leader)) {
            awaitRegistered(c);
        }
        for (int i = 0; i < 3; i++) {
            produceWhenLed("events", "e" + i);
        }
        int follower = (leader + 1) % 3;
        // checked on the partition's leader, forwarded to the metadata leader, answered once committed
        idempotent(follower, "commit", c -> c.commit("events", "billing", 0, 3));
        for (int i = 0; i < 3; i++) {
            int node = i;
            try (FlyMqClient c = client(node)) {
                await("offset on n" + (node + 1), () -> {
                    try {
                        return c.getOffset("events", "billing", 0) == 3;
                    } catch (FlyMqServerException e) {
                        return false; // a follower applies the commit just after the leader answered
                    }
                });
            }
        }
        // every node checks the offset against the partition leader's log, not its own replica's
        for (int i = 0; i < 3; i++) {
            try (FlyMqClient c = client(i)) {
                var refused = assertThrows(FlyMqServerException.class,
                        () -> c.commit("events", "billing", 0, 4));
                assertTrue(refused.getMessage().contains("is beyond the end of the partition (end offset 3)"),
                        refused.getMessage());
            }
        }
    }

    @Test
    void produceToAMissingTopicThroughAFollowerAutoCreatesItClusterWide() throws Exception {
        startCluster();
        int leader = leaderIndex();
        try (FlyMqClient c = client(leader)) {
            awaitRegistered(c);
        }
        try (FlyMqClient c = client((leader + 1) % 3)) {
            await("auto-created produce", () -> {
                try {
                    return c.produce("auto", "first".getBytes()).offset() == 0;
                } catch (FlyMqServerException e) {
                    return false; // the new partition's group may still be electing its leader
                }
            });
        }
        await("auto on every node", () -> allList("auto", true));
    }

    @Test
    void badPeerEntryIsAConfigError() {
        Map<String, String> f = Map.of("node_id", "n1", "peers", "n2-without-address", "data_dir",
                dir.toString());
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerNode.start(BrokerConfig.load(null, Map.of(), f), BrokerListener.NONE));
        assertTrue(e.getMessage().contains("n2-without-address"), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
