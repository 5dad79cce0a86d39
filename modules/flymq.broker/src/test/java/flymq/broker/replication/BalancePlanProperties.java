package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The rebalance and drain plans ({@link BalancePlan}) on random clusters: replicas only on live nodes, each partition
 * keeps its replication factor, racks are respected whenever there are enough of them, replica and leader counts are
 * balanced within one (without racks; racks can make that impossible), a balanced cluster gets no moves, and a drain moves only what the drained node
 * held.
 */
class BalancePlanProperties {

    /** A random cluster: nodes n1..nN, some dead, partitions with replicas placed unevenly. */
    private record Cluster(List<String> nodes, List<String> live, Map<BalancePlan.Partition, List<String>> current) {
    }

    private static Cluster cluster(long seed, int nodeCount, int deadCount, int partitions, int rf) {
        Random random = new Random(seed);
        List<String> nodes = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) {
            nodes.add("n" + i);
        }
        List<String> live = new ArrayList<>(nodes.subList(0, Math.max(1, nodeCount - deadCount)));
        Map<BalancePlan.Partition, List<String>> current = new TreeMap<>();
        // skewed: the first nodes (as after a cluster grew) hold most replicas
        int crowded = Math.max(1, Math.min(nodeCount, rf + random.nextInt(2)));
        for (int p = 0; p < partitions; p++) {
            List<String> pool = new ArrayList<>(nodes.subList(0, Math.max(crowded, Math.min(rf, nodeCount))));
            Collections.shuffle(pool, random);
            current.put(new BalancePlan.Partition("t" + (p % 3), p), List.copyOf(pool.subList(0, Math.min(rf,
                    pool.size()))));
        }
        return new Cluster(nodes, live, current);
    }

    private static Map<String, Integer> replicaCounts(Map<BalancePlan.Partition, List<String>> plan,
                                                      List<String> live) {
        Map<String, Integer> counts = new HashMap<>();
        live.forEach(n -> counts.put(n, 0));
        plan.values().forEach(r -> r.forEach(n -> counts.merge(n, 1, Integer::sum)));
        return counts;
    }

    private static Map<String, Integer> leaderCounts(Map<BalancePlan.Partition, List<String>> plan,
                                                     List<String> live) {
        Map<String, Integer> counts = new HashMap<>();
        live.forEach(n -> counts.put(n, 0));
        plan.values().forEach(r -> counts.merge(r.get(0), 1, Integer::sum));
        return counts;
    }

    private static int spread(Map<String, Integer> counts) {
        return Collections.max(counts.values()) - Collections.min(counts.values());
    }

    @Property(tries = 300)
    void replicasAndLeadersAreBalancedWithinOneOnLiveNodes(@ForAll long seed, @ForAll @IntRange(min = 1, max = 9)
            int nodes, @ForAll @IntRange(min = 0, max = 3) int dead, @ForAll @IntRange(min = 1, max = 40)
            int partitions, @ForAll @IntRange(min = 1, max = 4) int rf) {
        Cluster c = cluster(seed, nodes, Math.min(dead, nodes - 1), partitions, rf);
        Map<BalancePlan.Partition, List<String>> plan = BalancePlan.rebalance(c.current(), c.live(), Map.of());
        assertEquals(c.current().keySet(), plan.keySet(), "every partition is planned");
        plan.forEach((p, r) -> {
            assertEquals(Math.min(c.current().get(p).size(), c.live().size()), r.size(), p + " keeps its factor");
            assertEquals(r.size(), new HashSet<>(r).size(), p + " has no node twice: " + r);
            assertTrue(c.live().containsAll(r), p + " is placed on live nodes only: " + r);
        });
        Map<String, Integer> replicas = replicaCounts(plan, c.live());
        assertTrue(spread(replicas) <= 1, "replica counts within one: " + replicas);
        Map<String, Integer> leaders = leaderCounts(plan, c.live());
        assertTrue(spread(leaders) <= 1, "leader counts within one: " + leaders);
        // a balanced plan is stable: planning again moves nothing
        assertEquals(Map.of(), BalancePlan.changes(plan, BalancePlan.rebalance(plan, c.live(), Map.of())),
                "a second rebalance moves nothing");
    }

    @Property(tries = 300)
    void noTwoReplicasOfAPartitionShareARackWhenThereAreEnoughRacks(@ForAll long seed,
            @ForAll @IntRange(min = 2, max = 9) int nodes, @ForAll @IntRange(min = 2, max = 4) int rackCount,
            @ForAll @IntRange(min = 1, max = 30) int partitions, @ForAll @IntRange(min = 1, max = 4) int rf) {
        Cluster c = cluster(seed, nodes, 0, partitions, rf);
        Map<String, String> racks = new HashMap<>();
        for (int i = 0; i < c.nodes().size(); i++) {
            racks.put(c.nodes().get(i), "rack-" + (i % rackCount));
        }
        int distinctRacks = (int) racks.values().stream().distinct().count();
        Map<BalancePlan.Partition, List<String>> plan = BalancePlan.rebalance(c.current(), c.live(), racks);
        plan.forEach((p, r) -> {
            Set<String> used = new HashSet<>();
            r.forEach(n -> used.add(racks.get(n)));
            if (r.size() <= distinctRacks) {
                assertEquals(r.size(), used.size(), p + " " + r + " puts two replicas in one rack " + racks);
            }
        });
    }

    @Property(tries = 200)
    void drainMovesOnlyThePartitionsOfTheDrainedNode(@ForAll long seed, @ForAll @IntRange(min = 2, max = 7) int nodes,
            @ForAll @IntRange(min = 1, max = 30) int partitions, @ForAll @IntRange(min = 1, max = 3) int rf) {
        Cluster c = cluster(seed, nodes, 0, partitions, rf);
        String drained = c.nodes().get((int) Math.floorMod(seed, (long) nodes));
        Map<BalancePlan.Partition, List<String>> plan = BalancePlan.drain(c.current(), drained, c.live(), Map.of());
        plan.forEach((p, r) -> {
            List<String> before = c.current().get(p);
            assertTrue(!r.contains(drained), p + " still holds " + drained + ": " + r);
            if (!before.contains(drained)) {
                assertEquals(before, r, p + " did not hold " + drained + " and must not move");
            } else {
                int expected = Math.min(before.size(), nodes - 1);
                assertEquals(expected, r.size(), p + " keeps its factor where nodes allow: " + r);
                assertTrue(r.containsAll(before.stream().filter(n -> !n.equals(drained)).toList()),
                        p + " keeps its other replicas: " + before + " -> " + r);
            }
        });
    }

    @Test
    void aGrownClusterSpreadsOntoTheNewNodes() {
        Map<BalancePlan.Partition, List<String>> current = new TreeMap<>();
        for (int p = 0; p < 6; p++) {
            current.put(new BalancePlan.Partition("orders", p), List.of("n" + (p % 3 + 1), "n" + ((p + 1) % 3 + 1),
                    "n" + ((p + 2) % 3 + 1)));
        }
        List<String> live = List.of("n1", "n2", "n3", "n4", "n5");
        Map<BalancePlan.Partition, List<String>> plan = BalancePlan.rebalance(current, live, Map.of());
        Map<String, Integer> counts = replicaCounts(plan, live);
        assertEquals(Map.of("n1", 4, "n2", 4, "n3", 4, "n4", 3, "n5", 3).values().stream().sorted().toList(),
                counts.values().stream().sorted().toList(), "18 replicas over 5 nodes: 4,4,4,3,3 in some order");
        assertTrue(counts.get("n4") >= 3 && counts.get("n5") >= 3, "the new nodes get their share: " + counts);
        int moved = 0;
        for (Map.Entry<BalancePlan.Partition, List<String>> e : plan.entrySet()) {
            moved += (int) e.getValue().stream().filter(n -> !current.get(e.getKey()).contains(n)).count();
        }
        assertEquals(6, moved, "exactly the 6 replicas n4 and n5 take move; the other 12 stay");
    }
}
