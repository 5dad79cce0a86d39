package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.topic.TopicSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ALTER_TOPIC in the metadata group (command type 7): its bytes, its effect on every node's topic and logs, its
 * replay after a restart, and snapshots that carry the changed settings to a node that missed the command.
 */
class MetadataAlterTopicTest {
    @TempDir
    Path dir;

    private MetadataNode node(String name) {
        return MetadataNode.open(dir.resolve(name));
    }

    private static byte[] create(String name, int partitions) {
        return new MetadataCommand.CreateTopic(name, TopicSettings.ofPartitions(partitions), 1L,
                java.util.Collections.nCopies(partitions, List.of("n1"))).encode();
    }

    private static byte[] alter(String name, Object... keyValues) {
        Map<String, Long> changes = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            changes.put((String) keyValues[i], ((Number) keyValues[i + 1]).longValue());
        }
        return new MetadataCommand.AlterTopic(name, changes).encode();
    }

    @Test
    void anAlterCommandReadsBackAsWritten() {
        byte[] bytes = alter("orders", "retention_ms", 3_600_000, "ttl_ms", -1);
        assertEquals(7, bytes[0], "type 7");
        MetadataCommand back = MetadataCommand.decode(bytes);
        assertEquals(new MetadataCommand.AlterTopic("orders", Map.of("retention_ms", 3_600_000L, "ttl_ms", -1L)),
                back);
        assertEquals(List.of("retention_ms", "ttl_ms"),
                List.copyOf(((MetadataCommand.AlterTopic) back).changes().keySet()), "in the order given");
        byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> MetadataCommand.decode(trailing));
    }

    @Test
    void applyingChangesTheTopicItsLogsAndTheReplicatedTableAndKeepsOtherSettings() {
        try (MetadataNode n = node("a")) {
            n.machine().apply(1, create("orders", 2));
            assertTrue(n.machine().apply(2, alter("orders", "retention_ms", 3_600_000, "segment_bytes", 4096)));
            assertTrue(n.machine().apply(3, alter("orders", "ttl_ms", 60_000)));

            TopicSettings s = n.topics().topic("orders").settings();
            assertEquals(3_600_000, s.retentionMs());
            assertEquals(4096, s.segmentBytes());
            assertEquals(60_000, s.ttlMs(), "a later change of another key keeps the earlier one");
            assertEquals(2, s.partitions());
            assertEquals(4096, n.topics().effectiveConfig(n.topics().topic("orders")).segmentBytes());
            assertEquals(s, n.machine().assignment("orders").orElseThrow().topic().settings());

            assertFalse(n.machine().apply(4, alter("missing", "retention_ms", 1)), "no such topic");
        }
    }

    @Test
    void aRestartReplaysTheLogWithoutApplyingTheChangeTwiceAndKeepsIt() {
        try (MetadataNode n = node("b")) {
            n.machine().apply(1, create("orders", 1));
            n.machine().apply(2, alter("orders", "retention_ms", 1000));
        }
        try (MetadataNode again = node("b")) {
            assertEquals(1000, again.topics().topic("orders").settings().retentionMs(), "from topics.json");
            again.machine().apply(1, create("orders", 1));
            again.machine().apply(2, alter("orders", "retention_ms", 1000));
            assertEquals(1000, again.machine().assignment("orders").orElseThrow().topic().settings().retentionMs(),
                    "the table is rebuilt from the replayed commands");
        }
    }

    @Test
    void aSnapshotCarriesChangedSettingsToANodeThatHadTheTopicBefore() {
        try (MetadataNode leader = node("leader"); MetadataNode follower = node("follower")) {
            leader.machine().apply(1, create("orders", 1));
            follower.machine().apply(1, create("orders", 1));
            leader.machine().apply(2, alter("orders", "retention_bytes", 5000, "ttl_ms", 0, "segment_ms", 60_000));
            List<byte[]> chunks = new ArrayList<>();
            leader.machine().takeSnapshot(2, chunks::add);

            follower.machine().installSnapshot(2, chunks);
            TopicSettings s = follower.topics().topic("orders").settings();
            assertEquals(5000, s.retentionBytes());
            assertEquals(0, s.ttlMs());
            assertEquals(60_000, s.segmentMs());
            assertEquals(TopicSettings.DEFAULT, s.retentionMs(), "untouched settings stay the broker default");
        }
    }
}
