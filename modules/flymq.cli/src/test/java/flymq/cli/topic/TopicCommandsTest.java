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
                "segment_ms", "ttl_ms", "partitions"), List.copyOf(doc.keySet()));
        assertEquals(List.of("partition", "leader", "replicas", "isr", "state", "start_offset", "end_offset",
                "records", "size_bytes", "segments"), List.copyOf(p1.keySet()));
        assertEquals("node-1", p1.get("leader"));
        assertTrue((Long) p1.get("size_bytes") > 0, p1.toString());
        assertEquals(1L, p1.get("partition"));
        assertEquals(2L, p1.get("end_offset"));
        assertEquals(2L, p1.get("records"));
        var table = broker.run("topic", "describe", "described");
        assertTrue(table.out().startsWith("topic: described  partitions: 2  replication: 1  retention: 168h  ttl: none"
                + "\nPARTITION"), table.out());
    }

    @Test
    void alterChangesOnlyTheSettingsGivenAndDescribeShowsThem() throws Exception {
        broker.run("topic", "create", "altered", "--partitions", "2");
        var r = broker.run("topic", "alter", "altered", "--config", "retention_ms=2h", "--config",
                "retention_bytes=1MiB", "--config", "ttl_ms=90000");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("changed topic altered: retention_ms=7200000, retention_bytes=1048576, ttl_ms=90000\n", r.out());
        var doc = (Map<?, ?>) Json.parse(broker.run("topic", "describe", "altered", "-o", "json").out());
        assertEquals(7_200_000L, doc.get("retention_ms"));
        assertEquals(1_048_576L, doc.get("retention_bytes"));
        assertEquals(90_000L, doc.get("ttl_ms"));
        assertEquals(2, ((List<?>) doc.get("partitions")).size(), "partitions untouched");
        assertTrue(broker.run("topic", "describe", "altered").out().startsWith(
                "topic: altered  partitions: 2  replication: 1  retention: 2h or 1048576 bytes  ttl: 1m30s\n"));
        String stored = java.nio.file.Files.readString(dir.resolve("topics.json"));
        assertTrue(stored.matches("(?s).*\"name\"\\s*:\\s*\"altered\"[^}]*\"retention_ms\"\\s*:\\s*7200000\\b.*"),
                "persisted: " + stored);

        var back = broker.run("topic", "alter", "altered", "--config", "retention_ms=default", "-o", "json");
        assertEquals(ExitCode.OK, back.code(), back.toString());
        var json = (Map<?, ?>) Json.parse(back.out());
        assertEquals(604_800_000L, json.get("retention_ms"), "the broker default again");
        assertEquals(1_048_576L, json.get("retention_bytes"), "the other change stays");
    }

    @Test
    void alterRefusesWhatTheBrokerCannotChangeAndChangesNothing() {
        broker.run("topic", "create", "kept");
        var unknown = broker.run("topic", "alter", "kept", "--config", "colour=blue");
        assertEquals(ExitCode.USAGE, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("unknown setting 'colour'"), unknown.err());
        assertEquals(ExitCode.USAGE, broker.run("topic", "alter", "kept").code(), "nothing to change");
        assertEquals(ExitCode.USAGE, broker.run("topic", "alter", "kept", "--config", "retention_ms=soon").code());

        var tooSmall = broker.run("topic", "alter", "kept", "--config", "retention_ms=1h", "--config",
                "segment_bytes=10");
        assertEquals(ExitCode.FAILED, tooSmall.code(), tooSmall.toString());
        assertTrue(tooSmall.err().contains("segment_bytes 10"), tooSmall.err());
        var doc = (Map<?, ?>) Json.parse(broker.run("topic", "describe", "kept", "-o", "json").out());
        assertEquals(604_800_000L, doc.get("retention_ms"), "the valid setting did not change either");

        var missing = broker.run("topic", "alter", "nowhere", "--config", "retention_ms=1h");
        assertEquals(ExitCode.FAILED, missing.code(), missing.toString());
        assertTrue(missing.err().contains("topic 'nowhere' does not exist"), missing.err());
    }

    @Test
    void alterPartitionsGrowsTheTopicAndRefusesToShrinkIt() {
        broker.run("topic", "create", "widened", "--partitions", "2");
        var grow = broker.run("topic", "alter", "widened", "--partitions", "5");
        assertEquals(ExitCode.OK, grow.code(), grow.toString());
        assertEquals("grew topic widened from 2 to 5 partitions (keyed records produced from now on may go to other "
                + "partitions than before)\n", grow.out());
        assertTrue(broker.run("topic", "describe", "widened").out().startsWith("topic: widened  partitions: 5"));
        var same = broker.run("topic", "alter", "widened", "--partitions", "5", "--config", "retention_ms=1h");
        assertEquals("topic widened already has 5 partitions\nchanged topic widened: retention_ms=3600000\n",
                same.out());
        var json = (Map<?, ?>) Json.parse(broker.run("topic", "alter", "widened", "--partitions", "6", "-o",
                "json").out());
        assertEquals(6L, json.get("partitions"));

        var shrink = broker.run("topic", "alter", "widened", "--partitions", "3");
        assertEquals(ExitCode.FAILED, shrink.code(), shrink.toString());
        assertTrue(shrink.err().contains("topic widened has 6 partitions; partitions can be added but not removed "
                + "(asked for 3)"), shrink.err());
        assertEquals(ExitCode.USAGE, broker.run("topic", "alter", "widened", "--partitions", "0").code());
    }

    @Test
    void alterValuesAreReadAsDurationsAndSizes() {
        assertEquals(604_800_000L, TopicAlter.parse("retention_ms", "7d"));
        assertEquals(1_800_000L, TopicAlter.parse("segment_ms", "30m"));
        assertEquals(123L, TopicAlter.parse("ttl_ms", "123"));
        assertEquals(10L << 30, TopicAlter.parse("retention_bytes", "10GiB"));
        assertEquals(256L << 20, TopicAlter.parse("segment_bytes", "256MiB"));
        assertEquals(-1L, TopicAlter.parse("segment_bytes", "default"));
        assertEquals(0L, TopicAlter.parse("ttl_ms", "0"));
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
