package flymq.broker.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.protocol.KeyPartitioner;
import flymq.protocol.RequestException;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import flymq.storage.StorageListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Growing a topic's partition count: new empty partitions after the old ones, never fewer, kept across restarts. */
class TopicGrowthTest {
    @TempDir
    Path dir;

    private LogStore store;

    private TopicManager open() {
        store = LogStore.open(dir.resolve("logs"), LogConfig.defaults(), StorageListener.NONE);
        return TopicManager.open(store, dir.resolve("topics.json"), LogConfig.defaults(), true, 1, 1,
                BrokerListener.NONE);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void newPartitionsAreAddedEmptyAndTheOldOnesKeepTheirRecords() {
        TopicManager topics = open();
        topics.create("orders", TopicSettings.ofPartitions(2));
        PartitionLog p0 = topics.topic("orders").log(0);
        p0.append(List.of(Record.of(1, "a".getBytes(StandardCharsets.UTF_8))));
        assertTrue(topics.growPartitions("orders", 5));
        Topic grown = topics.topic("orders");
        assertEquals(5, grown.partitionCount());
        assertEquals(5, grown.settings().partitions());
        assertSame(p0, grown.log(0), "the existing logs stay open as they are");
        assertEquals(1, grown.log(0).endOffset());
        assertEquals(0, grown.log(4).endOffset());
        assertEquals(4, grown.choosePartition(null, 4));
    }

    @Test
    void theCurrentCountChangesNothingAndFewerIsRefusedWithTheFacts() {
        TopicManager topics = open();
        topics.create("orders", TopicSettings.ofPartitions(3));
        assertFalse(topics.growPartitions("orders", 3));
        RequestException e = assertThrows(RequestException.class, () -> topics.growPartitions("orders", 2));
        assertEquals("topic orders has 3 partitions; partitions can be added but not removed (asked for 2)",
                e.getMessage());
        assertEquals(3, topics.topic("orders").partitionCount());
        RequestException tooMany = assertThrows(RequestException.class,
                () -> topics.growPartitions("orders", TopicManager.MAX_PARTITIONS + 1));
        assertTrue(tooMany.getMessage().contains("expected 3..10000"), tooMany.getMessage());
        assertEquals("topic not found: nope",
                assertThrows(RequestException.class, () -> topics.growPartitions("nope", 4)).getMessage());
    }

    @Test
    void theGrownCountSurvivesARestart() {
        TopicManager topics = open();
        topics.create("orders", TopicSettings.ofPartitions(1));
        topics.growPartitions("orders", 4);
        topics.topic("orders").log(3).append(List.of(Record.of(1, "x".getBytes(StandardCharsets.UTF_8))));
        store.close();
        TopicManager again = open();
        assertEquals(4, again.topic("orders").partitionCount());
        assertEquals(1, again.topic("orders").log(3).endOffset());
    }

    @Test
    void keyedRecordsMayMoveToANewPartitionAfterGrowing() {
        // the documented consequence: FNV-1a(key) mod the count, so some key changes partition
        int moved = 0;
        for (int k = 0; k < 100; k++) {
            byte[] key = ("customer-" + k).getBytes(StandardCharsets.UTF_8);
            if (KeyPartitioner.forKey(key, 3) != KeyPartitioner.forKey(key, 6)) {
                moved++;
            }
        }
        assertTrue(moved > 0 && moved < 100, moved + " of 100 keys moved");
    }
}
