package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerListener;
import flymq.broker.auth.SecurityChange;
import flymq.broker.auth.SecurityStore;
import flymq.broker.auth.TopicAcl;
import flymq.broker.auth.User;
import flymq.broker.group.GroupCoordinator;
import flymq.broker.schema.Compatibility;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.topic.TopicManager;
import flymq.storage.LogConfig;
import flymq.storage.LogStore;
import flymq.storage.OffsetStore;
import flymq.storage.StorageListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users and ACLs in the metadata group: command 17 and the snapshot's section tag 2. */
class MetadataSecurityTest {
    @TempDir
    Path dir;

    private record Node(LogStore store, OffsetStore offsets, GroupCoordinator groups, SecurityStore security,
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
        SecurityStore security = SecurityStore.open(d.resolve("security.json"));
        return new Node(store, offsets, groups, security, new MetadataStateMachine(topics, groups,
                SchemaRegistry.inMemory(Compatibility.BACKWARD), d.resolve("applied.index"), security));
    }

    private static final User ALICE = new User("alice", "pbkdf2-sha256$1000$c2FsdA$aGFzaA", List.of("producer"),
            true, 1, 2);

    private static byte[] command(SecurityChange change) {
        return new MetadataCommand.Security(change.encode()).encode();
    }

    @Test
    void aSecurityCommandIsTypeSeventeenWithItsChangeLengthPrefixed() {
        byte[] change = new SecurityChange.DeleteUser("alice").encode();
        byte[] bytes = command(new SecurityChange.DeleteUser("alice"));
        assertEquals(17, bytes[0]);
        assertEquals(1 + 4 + change.length, bytes.length);
        assertArrayEquals(change, ((MetadataCommand.Security) MetadataCommand.decode(bytes)).change());
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetadataCommand.decode(cut));
        assertTrue(e.getMessage().contains("security command declares"), e.getMessage());
    }

    @Test
    void appliedCommandsChangeTheStoreAndASnapshotCarriesItToAnotherNode() {
        try (Node leader = node("leader"); Node follower = node("follower")) {
            assertTrue(leader.machine().apply(1, command(new SecurityChange.PutUser(ALICE))));
            leader.machine().apply(2, command(new SecurityChange.PutAcl(new TopicAcl("t", false, List.of("alice"),
                    List.of()))));
            assertEquals(ALICE, leader.security().user("alice").orElseThrow());

            follower.machine().apply(1, command(new SecurityChange.PutUser(new User("stale", "x", List.of(), true,
                    0, 0))));
            List<byte[]> chunks = new ArrayList<>();
            leader.machine().takeSnapshot(2, chunks::add);
            assertEquals(3, chunks.size(), "topics, schemas (tag 1), users and ACLs (tag 2)");
            assertEquals(2, chunks.get(2)[0]);

            follower.machine().installSnapshot(2, chunks);
            assertEquals(List.of("alice"), follower.security().users().stream().map(User::name).toList());
            assertTrue(follower.security().acl("t").isPresent());
            assertEquals(List.of("alice"), SecurityStore.open(dir.resolve("follower").resolve("security.json"))
                    .users().stream().map(User::name).toList(), "installed and written to the node's file");
        }
    }
}
