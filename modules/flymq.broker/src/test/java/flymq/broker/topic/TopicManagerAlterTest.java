package flymq.broker.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.protocol.RequestException;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.StorageListener;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changing a topic's settings: checked whole, written to topics.json, taken by its open logs at once. */
class TopicManagerAlterTest {
    @TempDir
    Path dir;

    private LogStore store;

    private TopicManager open() {
        store = LogStore.open(dir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE);
        return TopicManager.open(store, dir.resolve("topics.json"), LogConfig.defaults(), true, 1, 1,
                BrokerListener.NONE);
    }

    @Test
    void changedSettingsReachTheLogsAndSurviveARestart() throws Exception {
        TopicManager topics = open();
        topics.create("orders", TopicSettings.ofPartitions(2));
        long created = topics.topic("orders").createdMs();
        topics.alter("orders", Map.of("retention_ms", 60_000L, "segment_bytes", 2048L));
        for (int p = 0; p < 2; p++) {
            // the open log rolls at the new size: 1 KiB records, 2 KiB segments
            PartitionLog log = topics.topic("orders").log(p);
            for (int i = 0; i < 6; i++) {
                log.append(List.of(Record.of(System.currentTimeMillis(), new byte[1024])));
            }
            assertTrue(log.segmentCount() >= 3, "partition " + p + " has " + log.segmentCount() + " segment(s)");
        }
        assertEquals(60_000, topics.effectiveConfig(topics.topic("orders")).retentionMs());
        store.close();

        TopicManager reopened = open();
        TopicSettings s = reopened.topic("orders").settings();
        assertEquals(60_000, s.retentionMs());
        assertEquals(2048, s.segmentBytes());
        assertEquals(created, reopened.topic("orders").createdMs(), "the same topic, not a new one");
        assertEquals(2048, reopened.effectiveConfig(reopened.topic("orders")).segmentBytes());
        store.close();
    }

    @Test
    void minusOnePutsASettingBackToTheBrokerDefault() {
        TopicManager topics = open();
        topics.create("t", new TopicSettings(1, 1, 1000, -1, -1, -1, 5000));
        topics.alter("t", Map.of("retention_ms", -1L, "ttl_ms", -1L));
        assertEquals(LogConfig.defaults().retentionMs(), topics.effectiveConfig(topics.topic("t")).retentionMs());
        assertEquals(TopicSettings.DEFAULT, topics.topic("t").settings().ttlMs());
        store.close();
    }

    @Test
    void aBadValueOrKeyChangesNothing() throws Exception {
        TopicManager topics = open();
        topics.create("t", TopicSettings.ofPartitions(1));
        String before = Files.readString(dir.resolve("topics.json"));
        var tooSmall = assertThrows(RequestException.class, () -> topics.alter("t",
                new java.util.LinkedHashMap<>(Map.of("retention_ms", 1L, "segment_bytes", 10L))));
        assertTrue(tooSmall.getMessage().contains("invalid segment_bytes 10 for topic t"), tooSmall.getMessage());
        var unknown = assertThrows(RequestException.class, () -> topics.alter("t", Map.of("colour", 1L)));
        assertTrue(unknown.getMessage().contains("unknown topic setting 'colour'"), unknown.getMessage());
        assertThrows(RequestException.class, () -> topics.alter("t", Map.of("partitions", 4L)));
        assertThrows(RequestException.class, () -> topics.alter("t", Map.of("ttl_ms", -2L)));
        assertThrows(RequestException.class, () -> topics.alter("t", Map.of()));
        var missing = assertThrows(RequestException.class, () -> topics.alter("nope", Map.of("ttl_ms", 1L)));
        assertEquals("topic not found: nope", missing.getMessage());
        assertEquals(before, Files.readString(dir.resolve("topics.json")));
        assertEquals(TopicSettings.ofPartitions(1).retentionMs(), topics.topic("t").settings().retentionMs());
        store.close();
    }
}
