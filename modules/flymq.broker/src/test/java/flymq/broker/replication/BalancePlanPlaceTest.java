package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a new partition's replicas go (CREATE_TOPIC, ADD_PARTITIONS): ring order, racks apart while they last. */
class BalancePlanPlaceTest {
    private static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5");

    @Test
    void withoutRacksItIsRingOrderFromThePartitionsStart() {
        assertEquals(List.of("n4", "n5", "n1"), BalancePlan.place(NODES, 3, 3, Map.of()));
        assertEquals(List.of("n1", "n2"), BalancePlan.place(NODES, 5, 2, Map.of()), "the ring wraps");
    }

    @Test
    void noTwoReplicasShareARackWhileUnusedRacksRemain() {
        Map<String, String> racks = Map.of("n1", "a", "n2", "a", "n3", "b", "n4", "b", "n5", "c");
        for (int start = 0; start < NODES.size(); start++) {
            List<String> r = BalancePlan.place(NODES, start, 3, racks);
            assertEquals(3, r.size());
            assertEquals(3, r.stream().map(racks::get).distinct().count(), r.toString());
            assertEquals(NODES.get(start), r.get(0), "the ring's first choice stays the preferred leader");
        }
    }

    @Test
    void withTooFewRacksEveryRackIsUsedAndTheRestFollowsTheRing() {
        Map<String, String> racks = Map.of("n1", "a", "n2", "a", "n3", "a", "n4", "b");
        List<String> four = List.of("n1", "n2", "n3", "n4");
        assertEquals(List.of("n1", "n4", "n2"), BalancePlan.place(four, 0, 3, racks));
        assertEquals(List.of("n4", "n1", "n2"), BalancePlan.place(four, 3, 3, racks));
        // a node without a rack is a rack of its own
        assertEquals(List.of("n1", "n4", "n5"), BalancePlan.place(NODES, 0, 3, Map.of("n1", "a", "n2", "a",
                "n3", "a", "n4", "b")));
    }
}
