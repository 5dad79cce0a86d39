package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.replication.MetadataCommand.StartReassignment;
import flymq.broker.topic.TopicSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QUEUE_REASSIGNMENTS (type 19): a rebalance's moves start in waves of at most {@code limit}, the rest wait in the
 * replicated queue and start, in order, as earlier moves finish; a node that catches up from a snapshot (a new
 * metadata leader) holds the same queue, and every node starts the same moves at the same index.
 */
class MetadataReassignmentQueueTest {
    @TempDir
    Path dir;

    private static byte[] create(String name, int partitions) {
        return new MetadataCommand.CreateTopic(name, TopicSettings.ofPartitions(partitions), 1L,
                java.util.Collections.nCopies(partitions, List.of("n1", "n2", "n3"))).encode();
    }

    /** Moves partitions 0..n-1 of "orders" (created at index 1) to n4, n2, n3. */
    private static MetadataCommand.QueueReassignments queue(int limit, int n) {
        List<StartReassignment> moves = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            moves.add(new StartReassignment("orders", 1, p, List.of("n4", "n2", "n3")));
        }
        return new MetadataCommand.QueueReassignments(limit, moves);
    }

    private static byte[] finish(int p) {
        return new MetadataCommand.FinishReassignment("orders", 1, p, List.of("n4", "n2", "n3")).encode();
    }

    private static List<Integer> moving(MetadataNode n) {
        return new ArrayList<>(new TreeSet<>(n.machine().reassignments().values().stream()
                .map(MetadataStateMachine.Reassignment::partition).toList()));
    }

    private static List<Integer> waiting(MetadataNode n) {
        return n.machine().queuedReassignments().stream().map(StartReassignment::partition).toList();
    }

    @Test
    void theCommandReadsBackAsWrittenAndRefusesAnImpossibleCount() {
        MetadataCommand.QueueReassignments q = queue(3, 4);
        byte[] bytes = q.encode();
        assertEquals(19, bytes[0]);
        assertEquals(q, MetadataCommand.decode(bytes));
        byte[] lying = bytes.clone();
        java.nio.ByteBuffer.wrap(lying).putInt(5, 1_000_000);
        assertThrows(IllegalArgumentException.class, () -> MetadataCommand.decode(lying));
    }

    @Test
    void movesStartInWavesInOrderAsEarlierOnesFinish() {
        try (MetadataNode n = MetadataNode.open(dir.resolve("a"))) {
            n.machine().apply(1, create("orders", 5));
            assertTrue(n.machine().apply(2, queue(2, 5).encode()));
            assertEquals(List.of(0, 1), moving(n), "at most two in progress");
            assertEquals(List.of(2, 3, 4), waiting(n));
            assertTrue(n.machine().apply(3, finish(1)));
            assertEquals(List.of(0, 2), moving(n), "the next one in order took the slot");
            assertEquals(List.of(3, 4), waiting(n));
            assertTrue(n.machine().apply(4, finish(0)));
            assertTrue(n.machine().apply(5, finish(2)));
            assertEquals(List.of(3, 4), moving(n));
            assertEquals(List.of(), waiting(n));
            n.machine().apply(6, finish(3));
            n.machine().apply(7, finish(4));
            assertEquals(Map.of(), n.machine().reassignments());
            for (int p = 0; p < 5; p++) {
                assertEquals(List.of("n4", "n2", "n3"), n.machine().assignment("orders").orElseThrow().replicas(p));
            }
        }
    }

    @Test
    void aQueueAddsNothingTwiceAndZeroMeansNoBound() {
        try (MetadataNode n = MetadataNode.open(dir.resolve("b"))) {
            n.machine().apply(1, create("orders", 4));
            n.machine().apply(2, queue(1, 2).encode());
            assertFalse(n.machine().apply(3, queue(1, 2).encode()), "moving or waiting already");
            assertEquals(List.of(0), moving(n));
            assertEquals(List.of(1), waiting(n));
            assertTrue(n.machine().apply(4, queue(0, 4).encode()), "partitions 2 and 3 are new; 0 lifts the bound");
            assertEquals(List.of(0, 1, 2, 3), moving(n));
            assertEquals(List.of(), waiting(n));
        }
    }

    @Test
    void aCancelledWaitingMoveLeavesTheQueueAndADeletedTopicTakesItsMovesAlong() {
        try (MetadataNode n = MetadataNode.open(dir.resolve("c"))) {
            n.machine().apply(1, create("orders", 4));
            n.machine().apply(2, queue(1, 4).encode());
            assertTrue(n.machine().apply(3, new MetadataCommand.CancelReassignment("orders", 1, 2).encode()));
            assertEquals(List.of(1, 3), waiting(n));
            assertTrue(n.machine().apply(4, new MetadataCommand.StartReassignment("orders", 1, 3,
                    List.of("n5")).encode()), "a move started on its own");
            assertEquals(List.of(1), waiting(n), "leaves the queue");
            n.machine().apply(5, new MetadataCommand.DeleteTopic("orders").encode());
            assertEquals(List.of(), waiting(n));
            assertEquals(Map.of(), n.machine().reassignments());
        }
    }

    @Test
    void aRemovedNodeLeavesTheWaitingTargets() {
        try (MetadataNode n = MetadataNode.open(dir.resolve("d"))) {
            n.machine().apply(1, create("orders", 2));
            n.machine().apply(2, queue(1, 2).encode());
            n.machine().apply(3, new MetadataCommand.NodeRemoved("n4").encode());
            assertEquals(List.of(List.of("n2", "n3")), n.machine().queuedReassignments().stream()
                    .map(StartReassignment::target).toList());
        }
    }

    @Test
    void aNodeThatCatchesUpFromASnapshotHoldsTheSameQueueAndStartsTheSameMoves() {
        try (MetadataNode leader = MetadataNode.open(dir.resolve("leader"));
             MetadataNode follower = MetadataNode.open(dir.resolve("follower"));
             MetadataNode replayer = MetadataNode.open(dir.resolve("replayer"))) {
            List<byte[]> log = List.of(create("orders", 6), queue(2, 6).encode(), finish(0));
            for (int i = 0; i < log.size(); i++) {
                leader.machine().apply(i + 1, log.get(i));
                replayer.machine().apply(i + 1, log.get(i));
            }
            List<byte[]> chunks = new ArrayList<>();
            leader.machine().takeSnapshot(3, chunks::add);
            follower.machine().installSnapshot(3, chunks); // e.g. the next metadata leader
            assertEquals(List.of(1, 2), moving(follower));
            assertEquals(List.of(3, 4, 5), waiting(follower));
            for (MetadataNode n : List.of(leader, follower, replayer)) {
                n.machine().apply(4, finish(2));
                assertEquals(List.of(1, 3), moving(n), "each node starts the same move at the same index");
                assertEquals(List.of(4, 5), waiting(n));
            }
        }
    }
}
