package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import flymq.broker.topic.TopicSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A topic's TTL in the metadata group: in its CREATE_TOPIC command and in snapshots, absent when it has none. */
class MetadataTtlTest {
    @TempDir
    Path dir;

    private MetadataNode node(String name) {
        return MetadataNode.open(dir.resolve(name));
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
        try (MetadataNode leader = node("leader"); MetadataNode follower = node("follower")) {
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
