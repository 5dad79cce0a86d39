package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.topic.TopicSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADD_PARTITIONS in the metadata group (command type 8): its bytes, its effect on every node's topic and the
 * replicated assignment, its replay after a restart, refusals of a stale command, and snapshots that carry a growth
 * to a node that missed the command.
 */
class MetadataAddPartitionsTest {
    @TempDir
    Path dir;

    private MetadataNode node(String name) {
        return MetadataNode.open(dir.resolve(name));
    }

    private static byte[] create(String name, int partitions) {
        return new MetadataCommand.CreateTopic(name, TopicSettings.ofPartitions(partitions), 1L,
                java.util.Collections.nCopies(partitions, List.of("n1"))).encode();
    }

    private static byte[] grow(String name, long createIndex, int partitions, int added) {
        return new MetadataCommand.AddPartitions(name, createIndex, partitions,
                java.util.Collections.nCopies(added, List.of("n1"))).encode();
    }

    @Test
    void anAddPartitionsCommandReadsBackAsWritten() {
        byte[] bytes = new MetadataCommand.AddPartitions("orders", 7, 4, List.of(List.of("n2", "n3"),
                List.of("n3", "n1"))).encode();
        assertEquals(8, bytes[0], "type 8");
        assertEquals(new MetadataCommand.AddPartitions("orders", 7, 4, List.of(List.of("n2", "n3"),
                List.of("n3", "n1"))), MetadataCommand.decode(bytes));
        byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> MetadataCommand.decode(trailing));
    }

    @Test
    void applyingGrowsTheTopicAndTheAssignment() {
        try (MetadataNode n = node("a")) {
            n.machine().apply(1, create("orders", 2));
            assertTrue(n.machine().apply(2, grow("orders", 1, 5, 3)));
            assertEquals(5, n.topics().topic("orders").partitionCount());
            MetadataStateMachine.Assignment a = n.machine().assignment("orders").orElseThrow();
            assertEquals(5, a.topic().replicas().size());
            assertEquals(5, a.topic().settings().partitions());
            assertEquals(List.of("n1"), a.replicas(4));
            assertEquals(1, a.createIndex(), "the same incarnation: its partition groups keep their ids");
        }
    }

    @Test
    void aStaleCommandChangesNothing() {
        try (MetadataNode n = node("s")) {
            n.machine().apply(1, create("orders", 2));
            assertFalse(n.machine().apply(2, grow("orders", 99, 4, 2)), "another incarnation of the name");
            assertFalse(n.machine().apply(3, grow("orders", 1, 4, 1)), "planned from another partition count");
            assertFalse(n.machine().apply(4, grow("missing", 1, 4, 2)), "no such topic");
            assertEquals(2, n.topics().topic("orders").partitionCount());
        }
    }

    @Test
    void aRestartReplaysTheLogAndKeepsTheCount() {
        try (MetadataNode n = node("b")) {
            n.machine().apply(1, create("orders", 1));
            n.machine().apply(2, grow("orders", 1, 3, 2));
        }
        try (MetadataNode again = node("b")) {
            assertEquals(3, again.topics().topic("orders").partitionCount(), "from topics.json");
            again.machine().apply(1, create("orders", 1));
            again.machine().apply(2, grow("orders", 1, 3, 2));
            assertEquals(3, again.machine().assignment("orders").orElseThrow().topic().replicas().size(),
                    "the table is rebuilt from the replayed commands");
            assertEquals(3, again.topics().topic("orders").partitionCount());
        }
    }

    @Test
    void aSnapshotCarriesTheGrowthToANodeThatHadTheTopicBefore() {
        try (MetadataNode leader = node("leader"); MetadataNode follower = node("follower")) {
            leader.machine().apply(1, create("orders", 1));
            follower.machine().apply(1, create("orders", 1));
            leader.machine().apply(2, grow("orders", 1, 4, 3));
            List<byte[]> chunks = new ArrayList<>();
            leader.machine().takeSnapshot(2, chunks::add);

            follower.machine().installSnapshot(2, chunks);
            assertEquals(4, follower.topics().topic("orders").partitionCount());
            assertEquals(4, follower.machine().assignment("orders").orElseThrow().topic().replicas().size());
        }
    }
}
