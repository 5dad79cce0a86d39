package flymq.broker.admin;

import static flymq.broker.TestPorts.freePort;
import static flymq.broker.admin.AdminApiTest.call;
import static flymq.broker.admin.AdminApiTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import flymq.raft.RaftMember;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API of a three-node Raft cluster: a write sent to a follower's API takes the path a client's request
 * takes (to the metadata leader, through the Raft log) and every node's API then shows it; each node reports the
 * same cluster and serves the messages of the partitions it holds a replica of.
 */
class ClusterAdminApiTest {
    @TempDir
    static Path dir;
    static final List<BrokerNode> nodes = new ArrayList<>();

    static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        String peers = "n1@127.0.0.1:" + ports[0] + ",n2@127.0.0.1:" + ports[1] + ",n3@127.0.0.1:" + ports[2];
        for (int i = 1; i <= 3; i++) {
            nodes.add(BrokerNode.start(BrokerConfig.load(null, Map.of(), Map.of("node_id", "n" + i,
                    "bind_addr", "127.0.0.1:0", "cluster_addr", "127.0.0.1:" + ports[i - 1], "peers", peers,
                    "data_dir", dir.resolve("n" + i).toString(), "observability.metrics.addr", "127.0.0.1:0",
                    "observability.health.addr", "127.0.0.1:0", "observability.admin.addr", "127.0.0.1:0"))));
        }
        await("one metadata leader known everywhere", () -> nodes.stream()
                .map(n -> n.metadataGroup().orElseThrow().leader().map(RaftMember::id).orElse(""))
                .distinct().count() == 1 && nodes.get(0).metadataGroup().orElseThrow().leader().isPresent());
        // a follower forwards CREATE_TOPIC to the leader's client address, registered only after the election
        await("every node knows every client address", () -> nodes.stream().allMatch(n -> {
            try {
                JsonNode c = call(n.adminPort().orElseThrow(), "GET", "/api/v1/cluster/nodes", null).body();
                int known = 0;
                for (JsonNode node : c) {
                    known += node.get("address").asText().isEmpty() ? 0 : 1;
                }
                return known == 3;
            } catch (Exception e) {
                return false;
            }
        }));
    }

    @AfterAll
    static void stopCluster() {
        nodes.forEach(BrokerNode::close);
    }

    private static BrokerNode follower() {
        String leader = nodes.get(0).metadataGroup().orElseThrow().leader().orElseThrow().id();
        return nodes.stream().filter(n -> !n.config().nodeId().equals(leader)).findFirst().orElseThrow();
    }

    @Test
    void aConfigChangeThroughAFollowersApiOrTheWireReachesEveryNode() throws Exception {
        BrokerNode follower = follower();
        int api = follower.adminPort().orElseThrow();
        assertEquals(201, call(api, "POST", "/api/v1/topics", "{\"name\":\"tuned\",\"partitions\":2}").status());
        var put = call(api, "PUT", "/api/v1/topics/tuned/config", "{\"retention_ms\":3600000,\"ttl_ms\":120000}");
        assertEquals(200, put.status(), String.valueOf(put.body()));
        assertEquals(3_600_000, put.body().get("retention_ms").asLong(), "the follower answers after applying it");
        for (BrokerNode n : nodes) {
            await("the change on " + n.config().nodeId(), () -> {
                JsonNode t = call(n.adminPort().orElseThrow(), "GET", "/api/v1/topics/tuned", null).body();
                return t != null && t.get("retention_ms").asLong() == 3_600_000 && t.get("ttl_ms").asLong() == 120_000;
            });
        }
        // through the wire, from another node, as `flymq topic alter` sends it
        BrokerNode other = nodes.stream().filter(n -> n != follower).findFirst().orElseThrow();
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + other.boundPort())) {
            client.alterTopic("tuned", Map.of("segment_bytes", 8192L));
            var refused = org.junit.jupiter.api.Assertions.assertThrows(flymq.client.FlyMqServerException.class,
                    () -> client.alterTopic("tuned", Map.of("segment_bytes", 1L)));
            assertTrue(refused.getMessage().contains("invalid segment_bytes 1"), refused.getMessage());
        }
        for (BrokerNode n : nodes) {
            await("segment_bytes on " + n.config().nodeId(), () -> call(n.adminPort().orElseThrow(), "GET",
                    "/api/v1/topics/tuned/config", null).body().get("segment_bytes").asLong() == 8192);
            try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + n.boundPort())) {
                var m = client.metadata("tuned");
                assertEquals(3_600_000, m.retentionMs(), n.config().nodeId());
                assertEquals(120_000, m.ttlMs(), n.config().nodeId());
            }
        }
        assertEquals(400, call(api, "PUT", "/api/v1/topics/tuned/config", "{\"segment_bytes\":5}").status());
        assertEquals(404, call(api, "PUT", "/api/v1/topics/absent/config", "{\"retention_ms\":5}").status());
    }

    @Test
    void aTopicCreatedThroughAFollowersApiExistsOnEveryNodeAndItsMessagesAreReadOnAReplica() throws Exception {
        BrokerNode follower = follower();
        var created = call(follower.adminPort().orElseThrow(), "POST", "/api/v1/topics",
                "{\"name\":\"replicated\",\"partitions\":1,\"replica_factor\":3}");
        assertEquals(201, created.status(), String.valueOf(created.body()));
        for (BrokerNode n : nodes) {
            await("the topic on " + n.config().nodeId(), () ->
                    call(n.adminPort().orElseThrow(), "GET", "/api/v1/topics/replicated", null).status() == 200);
            JsonNode cluster = call(n.adminPort().orElseThrow(), "GET", "/api/v1/cluster", null).body();
            assertEquals(3, cluster.get("node_count").asInt(), cluster.toString());
            assertEquals(nodes.get(0).metadataGroup().orElseThrow().leader().orElseThrow().id(),
                    cluster.get("leader_id").asText());
        }
        JsonNode assignments = call(follower.adminPort().orElseThrow(), "GET",
                "/api/v1/cluster/partitions?topic=replicated", null).body();
        assertEquals(1, assignments.get("count").asInt());
        assertEquals(3, assignments.get("assignments").get(0).get("replicas").size(), assignments.toString());

        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + follower.boundPort())) {
            // the partition's Raft group elects its leader after the topic exists (failed under load otherwise:
            // 'not leader: leader_id= leader_addr= (topic replicated partition 0)'); a refused produce appends nothing
            await("a leader for replicated-0", () -> {
                try {
                    client.produce("replicated", 0, "k".getBytes(StandardCharsets.UTF_8),
                            "across the cluster".getBytes(StandardCharsets.UTF_8));
                    return true;
                } catch (flymq.client.NotLeaderException e) {
                    return false;
                }
            });
        }
        for (BrokerNode n : nodes) {
            await("the record on " + n.config().nodeId(), () -> call(n.adminPort().orElseThrow(), "GET",
                    "/api/v1/topics/replicated/messages?partition=0", null).body().get("messages").size() == 1);
            JsonNode m = call(n.adminPort().orElseThrow(), "GET", "/api/v1/topics/replicated/messages", null).body()
                    .get("messages").get(0);
            assertEquals("across the cluster", text(m.get("value")));
        }

        BrokerNode other = nodes.stream().filter(n -> n != follower).findFirst().orElseThrow();
        assertEquals(204, call(other.adminPort().orElseThrow(), "DELETE", "/api/v1/topics/replicated", null).status());
        for (BrokerNode n : nodes) {
            await("the topic gone from " + n.config().nodeId(), () ->
                    call(n.adminPort().orElseThrow(), "GET", "/api/v1/topics/replicated", null).status() == 404);
        }
        assertTrue(call(follower.adminPort().orElseThrow(), "GET", "/api/v1/cluster/leaders", null).body()
                .get("node_count").asInt() == 3);
    }

    /** The replica ids of partition 0 of {@code topic} as node {@code n}'s API reports them, in order. */
    private static List<String> replicas(BrokerNode n, String topic) throws Exception {
        JsonNode a = call(n.adminPort().orElseThrow(), "GET", "/api/v1/cluster/partitions?topic=" + topic, null)
                .body().get("assignments");
        List<String> ids = new ArrayList<>();
        if (a != null && a.size() > 0) {
            a.get(0).get("replicas").forEach(r -> ids.add(r.asText()));
        }
        return ids;
    }

    @Test
    void aReassignmentThroughTheApiMovesTheReplicasOfALiveClusterAndKeepsTheRecords() throws Exception {
        int api = follower().adminPort().orElseThrow();
        assertEquals(201, call(api, "POST", "/api/v1/topics",
                "{\"name\":\"moving\",\"partitions\":1,\"replica_factor\":2}").status());
        await("two replicas assigned", () -> replicas(nodes.get(0), "moving").size() == 2);
        List<String> before = replicas(nodes.get(0), "moving");
        String outside = nodes.stream().map(n -> n.config().nodeId()).filter(id -> !before.contains(id))
                .findFirst().orElseThrow();
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + nodes.get(0).boundPort())) {
            for (int i = 0; i < 20; i++) {
                client.produce("moving", null, ("r" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        String body = "{\"new_replicas\":[\"" + outside + "\",\"" + before.get(0) + "\"],\"new_leader\":\""
                + outside + "\"}";
        var started = call(api, "POST", "/api/v1/cluster/partitions/moving/0", body);
        assertEquals(202, started.status(), String.valueOf(started.body()));
        for (BrokerNode n : nodes) {
            await("the new replicas on " + n.config().nodeId(),
                    () -> replicas(n, "moving").equals(List.of(outside, before.get(0))));
        }
        await("no move in progress", () -> call(api, "GET", "/api/v1/cluster/reassignments", null).body()
                .get("reassignments").isEmpty());
        BrokerNode moved = nodes.stream().filter(n -> n.config().nodeId().equals(outside)).findFirst().orElseThrow();
        await("the records on the node that joined the partition", () -> {
            try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + moved.boundPort())) {
                return client.fetch("moving", 0, 0, 100).records().size() == 20;
            } catch (RuntimeException e) {
                return false;
            }
        });
        assertEquals(404, call(api, "POST", "/api/v1/cluster/partitions/moving/7", body).status());
        var plan = call(api, "POST", "/api/v1/cluster/rebalance", "{\"dry_run\":true}");
        assertEquals(200, plan.status(), String.valueOf(plan.body()));
        assertTrue(plan.body().get("dry_run").asBoolean(), String.valueOf(plan.body()));
    }
}
