package flymq.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.output.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCommandsTest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void statusDescribesASingleNodeAsAClusterOfOne() {
        broker.run("topic", "create", "counted", "--partitions", "2");
        var r = broker.run("cluster", "status", "-o", "json");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var doc = (Map<?, ?>) Json.parse(r.out());
        assertEquals(List.of("cluster_id", "node_id", "leader_id", "topics", "partitions", "offline_partitions",
                "nodes", "term", "commit_index"), List.copyOf(doc.keySet()));
        assertEquals("node-1", doc.get("node_id"));
        assertEquals(1, ((List<?>) doc.get("nodes")).size());
        assertTrue((Long) doc.get("partitions") >= 2, doc.toString());
        assertTrue(broker.run("cluster", "status").out().startsWith("cluster: "));
    }

    @Test
    void membersListsTheNodeAsLeader() {
        var r = broker.run("cluster", "members", "-o", "json");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var members = (List<?>) ((Map<?, ?>) Json.parse(r.out())).get("members");
        var node = (Map<?, ?>) members.get(0);
        assertEquals("node-1", node.get("node_id"));
        assertEquals("leader", node.get("role"));
        var table = broker.run("cluster", "members").out().lines().toList();
        assertTrue(table.get(0).matches("NODE\\s+ADDRESS\\s+STATE\\s+ROLE"), table.toString());
        assertTrue(table.get(1).matches("node-1\\s+\\S+\\s+\\S+\\s+leader"), table.toString());
    }
}
