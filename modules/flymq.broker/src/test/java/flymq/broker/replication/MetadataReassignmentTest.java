package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.topic.TopicSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * START / FINISH / CANCEL_REASSIGNMENT in the metadata group (command types 9-11) and the racks of REGISTER_NODE:
 * their bytes, their effect on the replicated table, refusals of stale commands, and the snapshot section that
 * carries moves in progress and racks to a node that catches up from a snapshot.
 */
class MetadataReassignmentTest {
    @TempDir
    Path dir;

    private static byte[] create(String name, int partitions) {
        return new MetadataCommand.CreateTopic(name, TopicSettings.ofPartitions(partitions), 1L,
                java.util.Collections.nCopies(partitions, List.of("n1", "n2", "n3"))).encode();
    }

    @Test
    void theCommandsReadBackAsWritten() {
        List<MetadataCommand> all = List.of(
                new MetadataCommand.StartReassignment("orders", 7, 2, List.of("n4", "n2")),
                new MetadataCommand.FinishReassignment("orders", 7, 2, List.of("n4", "n2")),
                new MetadataCommand.CancelReassignment("orders", 7, 2),
                new MetadataCommand.RegisterNode("n1", "h:1", "rack-a"),
                new MetadataCommand.RegisterNode("n1", "h:1"));
        int[] types = {9, 10, 11, 3, 3};
        for (int i = 0; i < all.size(); i++) {
            byte[] bytes = all.get(i).encode();
            assertEquals(types[i], bytes[0]);
            assertEquals(all.get(i), MetadataCommand.decode(bytes));
        }
    }

    @Test
    void aMoveIsRecordedFinishedIntoTheAssignmentAndRefusedWhenStale() {
        try (MetadataNode n = MetadataNode.open(dir.resolve("a"))) {
            n.machine().apply(1, create("orders", 2));
            byte[] start = new MetadataCommand.StartReassignment("orders", 1, 0, List.of("n4", "n2", "n3")).encode();
            assertTrue(n.machine().apply(2, start));
            assertEquals(new MetadataStateMachine.Reassignment("orders", 1, 0, List.of("n1", "n2", "n3"),
                    List.of("n4", "n2", "n3"), false), n.machine().reassignment("orders", 0).orElseThrow());
            assertFalse(n.machine().apply(3, start), "one move per partition at a time");
            assertFalse(n.machine().apply(4, new MetadataCommand.StartReassignment("orders", 99, 1,
                    List.of("n4")).encode()), "another incarnation of the topic");
            assertFalse(n.machine().apply(5, new MetadataCommand.FinishReassignment("orders", 1, 0,
                    List.of("n4", "n2")).encode()), "a finish that is not the target");
            assertTrue(n.machine().apply(6, new MetadataCommand.FinishReassignment("orders", 1, 0,
                    List.of("n3", "n4", "n2")).encode()), "the same set in the group's order");
            MetadataStateMachine.Assignment a = n.machine().assignment("orders").orElseThrow();
            assertEquals(List.of("n4", "n2", "n3"), a.replicas(0), "the target's order: preferred leader first");
            assertEquals(List.of("n1", "n2", "n3"), a.replicas(1));
            assertEquals(1, a.createIndex(), "the same incarnation: its partition groups keep their ids");
            assertEquals(Map.of(), n.machine().reassignments());
        }
    }

    @Test
    void aCancelledMoveTargetsTheReplicasItHad() {
        try (MetadataNode n = MetadataNode.open(dir.resolve("c"))) {
            n.machine().apply(1, create("orders", 1));
            n.machine().apply(2, new MetadataCommand.StartReassignment("orders", 1, 0, List.of("n4")).encode());
            assertTrue(n.machine().apply(3, new MetadataCommand.CancelReassignment("orders", 1, 0).encode()));
            assertEquals(new MetadataStateMachine.Reassignment("orders", 1, 0, List.of("n1", "n2", "n3"),
                    List.of("n1", "n2", "n3"), true), n.machine().reassignment("orders", 0).orElseThrow());
            assertFalse(n.machine().apply(4, new MetadataCommand.CancelReassignment("orders", 1, 0).encode()),
                    "cancelled already");
            assertFalse(n.machine().apply(5, new MetadataCommand.FinishReassignment("orders", 1, 0,
                    List.of("n4")).encode()), "the old target no longer finishes it");
            assertTrue(n.machine().apply(6, new MetadataCommand.FinishReassignment("orders", 1, 0,
                    List.of("n1", "n2", "n3")).encode()));
            assertEquals(Map.of(), n.machine().reassignments());
        }
    }

    @Test
    void aSnapshotCarriesMovesInProgressAndRacks() {
        try (MetadataNode leader = MetadataNode.open(dir.resolve("leader"));
             MetadataNode follower = MetadataNode.open(dir.resolve("follower"))) {
            leader.machine().apply(1, create("orders", 2));
            leader.machine().apply(2, new MetadataCommand.RegisterNode("n1", "h:1", "rack-a").encode());
            leader.machine().apply(3, new MetadataCommand.StartReassignment("orders", 1, 1, List.of("n4", "n1"))
                    .encode());
            List<byte[]> chunks = new ArrayList<>();
            leader.machine().takeSnapshot(3, chunks::add);
            follower.machine().installSnapshot(3, chunks);
            assertEquals(leader.machine().reassignments(), follower.machine().reassignments());
            assertEquals(Map.of("n1", "rack-a"), follower.machine().racks());

            leader.machine().apply(4, new MetadataCommand.FinishReassignment("orders", 1, 1, List.of("n1", "n4"))
                    .encode());
            leader.machine().apply(5, new MetadataCommand.RegisterNode("n1", "h:1").encode());
            List<byte[]> later = new ArrayList<>();
            leader.machine().takeSnapshot(5, later::add);
            follower.machine().installSnapshot(5, later);
            assertEquals(Map.of(), follower.machine().reassignments(), "a finished move is gone from the snapshot");
            // a registration without a rack (as a join makes for the new node) keeps the rack the node registered
            assertEquals(Map.of("n1", "rack-a"), follower.machine().racks());
            assertEquals(List.of("n4", "n1"), follower.machine().assignment("orders").orElseThrow().replicas(1));
        }
    }
}
