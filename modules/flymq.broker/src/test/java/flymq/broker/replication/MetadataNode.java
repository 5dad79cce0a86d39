package flymq.broker.replication;

import flymq.broker.BrokerListener;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.schema.Compatibility;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.topic.TopicManager;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.OffsetStore;
import flymq.storage.StorageListener;
import java.nio.file.Path;

/**
 * One node's metadata state machine over real stores in a directory, for the tests that apply metadata commands and
 * snapshots to it directly (no Raft): what a cluster node builds at start, without the rest of the node.
 */
record MetadataNode(LogStore store, TopicManager topics, OffsetStore offsets, GroupCoordinator groups,
                    MetadataStateMachine machine) implements AutoCloseable {

    /** Opens (or reopens, to test a restart) the node whose files are in {@code d}. */
    static MetadataNode open(Path d) {
        LogStore store = LogStore.open(d.resolve("logs"), LogConfig.defaults(), StorageListener.NONE);
        TopicManager topics = TopicManager.open(store, d.resolve("topics.json"), LogConfig.defaults(), false, 1, 3,
                BrokerListener.NONE);
        OffsetStore offsets = OffsetStore.open(d.resolve("offsets.log"));
        GroupCoordinator groups = new GroupCoordinator(offsets, topics, BrokerListener.NONE, 30_000);
        return new MetadataNode(store, topics, offsets, groups, new MetadataStateMachine(topics, groups,
                SchemaRegistry.inMemory(Compatibility.BACKWARD), d.resolve("applied.index")));
    }

    @Override
    public void close() {
        groups.close();
        offsets.close();
        store.close();
    }
}
