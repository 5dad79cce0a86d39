package flymq.cli.topic;

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

class TopicCommandsTest {
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
    void createMakesATopicWithItsPartitions() {
        var r = broker.run("topic", "create", "created", "--partitions", "3");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("created topic created with 3 partitions\n", r.out());
        var d = (Map<?, ?>) Json.parse(broker.run("topic", "describe", "created", "-o", "json").out());
        assertEquals(3, ((List<?>) d.get("partitions")).size());
    }

    @Test
    void createWithTtlGivesTheTopicItsOwnTimeToLive() throws Exception {
        var r = broker.run("topic", "create", "expiring-topic", "--ttl", "1h");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        String topics = java.nio.file.Files.readString(dir.resolve("topics.json"));
        assertTrue(topics.matches("(?s).*\"name\"\\s*:\\s*\"expiring-topic\"[^}]*\"ttl_ms\"\\s*:\\s*3600000\\b.*"),
                topics);
    }

    @Test
    void createingAnExistingTopicFailsUnlessIfNotExists() {
        broker.run("topic", "create", "twice");
        var again = broker.run("topic", "create", "twice");
        assertEquals(ExitCode.FAILED, again.code(), again.toString());
        assertTrue(again.err().contains("topic 'twice' already exists"), again.err());
        var accepted = broker.run("topic", "create", "twice", "--if-not-exists", "-o", "json");
        assertEquals(ExitCode.OK, accepted.code(), accepted.toString());
        assertEquals(Map.of("topic", "twice", "partitions", 1L, "replication_factor", 1L, "created", false),
                Json.parse(accepted.out()));
    }

    @Test
    void listShowsTopicsAsTableAndJson() {
        broker.run("topic", "create", "listed");
        var table = broker.run("topic", "list");
        assertEquals(ExitCode.OK, table.code(), table.toString());
        assertEquals("TOPIC", table.out().lines().findFirst().orElseThrow());
        assertTrue(table.out().lines().anyMatch("listed"::equals), table.out());
        var json = (Map<?, ?>) Json.parse(broker.run("topic", "list", "--output", "json").out());
        assertTrue(((List<?>) json.get("topics")).contains("listed"), json.toString());
    }

    @Test
    void describeShowsOffsetsPerPartition() {
        broker.run("topic", "create", "described", "--partitions", "2");
        broker.run("produce", "described", "a", "--partition", "1");
        broker.run("produce", "described", "b", "--partition", "1");
        var r = broker.run("topic", "describe", "described", "-o", "json");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        var doc = (Map<?, ?>) Json.parse(r.out());
        assertEquals("described", doc.get("topic"));
        var p1 = (Map<?, ?>) ((List<?>) doc.get("partitions")).get(1);
        assertEquals(List.of("topic", "replication_factor", "retention_ms", "retention_bytes", "segment_bytes",
                "partitions"), List.copyOf(doc.keySet()));
        assertEquals(List.of("partition", "leader", "replicas", "isr", "state", "start_offset", "end_offset",
                "records", "size_bytes", "segments"), List.copyOf(p1.keySet()));
        assertEquals("node-1", p1.get("leader"));
        assertTrue((Long) p1.get("size_bytes") > 0, p1.toString());
        assertEquals(1L, p1.get("partition"));
        assertEquals(2L, p1.get("end_offset"));
        assertEquals(2L, p1.get("records"));
        var table = broker.run("topic", "describe", "described");
        assertTrue(table.out().startsWith("topic: described  partitions: 2  replication: 1  retention: 168h\nPARTITION"),
                table.out());
    }

    @Test
    void describeOfAMissingTopicFails() {
        var r = broker.run("topic", "describe", "nowhere");
        assertEquals(ExitCode.FAILED, r.code(), r.toString());
        assertEquals("flymq topic describe: topic 'nowhere' does not exist; 'flymq topic list' shows the topics\n",
                r.err());
    }

    @Test
    void deleteRemovesTheTopicAndFailsOnAMissingOneUnlessIfExists() {
        broker.run("topic", "create", "doomed");
        assertEquals(ExitCode.OK, broker.run("topic", "delete", "doomed").code());
        assertTrue(broker.run("topic", "list").out().lines().noneMatch("doomed"::equals));
        assertEquals(ExitCode.FAILED, broker.run("topic", "delete", "doomed").code());
        var json = broker.run("topic", "delete", "doomed", "--if-exists", "-o", "json");
        assertEquals(ExitCode.OK, json.code());
        assertEquals(Map.of("topic", "doomed", "deleted", false), Json.parse(json.out()));
    }

    @Test
    void anExplicitReplicationFactorIsCreatedAndReportedAsTheBrokerHoldsIt() {
        var r = broker.run("topic", "create", "copied", "--partitions", "2", "--replication-factor", "1", "-o", "json");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals(Map.of("topic", "copied", "partitions", 2L, "replication_factor", 1L, "created", true),
                Json.parse(r.out()));
        var bad = broker.run("topic", "create", "none", "--replication-factor", "0");
        assertEquals(ExitCode.USAGE, bad.code(), bad.toString());
    }

    @Test
    void replicationBeyondTheClusterSizeFails() {
        var r = broker.run("topic", "create", "replicated", "--replication-factor", "3");
        assertEquals(ExitCode.FAILED, r.code(), r.toString());
        assertTrue(r.err().contains("needs at least 3 nodes, the cluster has 1"), r.err());
    }
}
