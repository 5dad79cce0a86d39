package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import flymq.broker.BrokerListener;
import flymq.broker.auth.SecurityStore;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.schema.Compatibility;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.topic.TopicManager;
import flymq.broker.topic.TopicSettings;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.OffsetStore;
import flymq.storage.StorageListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A topic's TTL in the metadata group: in its CREATE_TOPIC command and in snapshots, absent when it has none. */
class MetadataTtlTest {
    @TempDir
    Path dir;

    private record Node(LogStore store, TopicManager topics, OffsetStore offsets, GroupCoordinator groups,
                        MetadataStateMachine machine) implements AutoCloseable {
        @Override
        public void close() {
            groups.close();
            offsets.close();
            store.close();
        }
    }

    private Node node(String name) {
        Path d = dir.resolve(name);
        LogStore store = LogStore.open(d.resolve("logs"), LogConfig.defaults(), StorageListener.NONE);
        TopicManager topics = TopicManager.open(store, d.resolve("topics.json"), LogConfig.defaults(), false, 1, 3,
                BrokerListener.NONE);
        OffsetStore offsets = OffsetStore.open(d.resolve("offsets.log"));
        GroupCoordinator groups = new GroupCoordinator(offsets, topics, BrokerListener.NONE, 30_000);
        return new Node(store, topics, offsets, groups, new MetadataStateMachine(topics, groups,
                SchemaRegistry.inMemory(Compatibility.BACKWARD), d.resolve("applied.index"),
                SecurityStore.open(d.resolve("security.json"))));
    }

    private static MetadataCommand.CreateTopic create(String name, long ttlMs) {
        return new MetadataCommand.CreateTopic(name, TopicSettings.ofPartitions(1).withTtlMs(ttlMs), 1L,
                List.of(List.of("n1")));
    }

    @Test
    void aCreateCommandCarriesTheTopicsTtlOnlyWhenItHasOne() {
        byte[] without = create("a", TopicSettings.DEFAULT).encode();
        byte[] with = create("a", 90_000).encode();
        assertEquals(without.length + 8, with.length);
        assertEquals(create("a", 90_000), MetadataCommand.decode(with));
        assertEquals(create("a", TopicSettings.DEFAULT), MetadataCommand.decode(without));
    }

    @Test
    void aSnapshotGivesTopicsTheirTtl() {
        try (Node leader = node("leader"); Node follower = node("follower")) {
            leader.machine().apply(1, create("kept", 60_000).encode());
            leader.machine().apply(2, create("never", 0).encode());
            leader.machine().apply(3, create("plain", TopicSettings.DEFAULT).encode());
            List<byte[]> chunks = new ArrayList<>();
            leader.machine().takeSnapshot(3, chunks::add);

            follower.machine().installSnapshot(3, chunks);
            assertEquals(60_000, follower.topics().topic("kept").settings().ttlMs());
            assertEquals(0, follower.topics().topic("never").settings().ttlMs());
            assertEquals(TopicSettings.DEFAULT, follower.topics().topic("plain").settings().ttlMs());
        }
    }
}
