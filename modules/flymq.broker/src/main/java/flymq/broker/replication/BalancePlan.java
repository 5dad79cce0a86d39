package flymq.broker.replication;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where replicas and leaders should be: the plans behind {@code flymq cluster rebalance} and {@code flymq cluster
 * drain}, computed from the current assignment alone (deterministic, no I/O), so the metadata leader computes the
 * same plan whatever node asked and a test can check it without a cluster.
 *
 * <p><b>Rebalance</b> keeps each partition's replication factor (capped at the live nodes) and:
 * <ul>
 *   <li>places replicas on live nodes only, never two replicas of a partition in one rack (a node without a rack
 *   is a rack of its own) while the racks allow it;</li>
 *   <li>gives every node {@code floor(R/N)} or {@code ceil(R/N)} replicas (R replicas, N live nodes): a replica stays
 *   where it is while its node is under that quota, the missing ones go to the least loaded allowed node, and a
 *   last pass moves replicas from the most to the least loaded node while they differ by more than one (always
 *   possible without racks; racks of unequal size can make it impossible, then the plan stays as close as racks
 *   allow);</li>
 *   <li>spreads leadership (the first replica, the preferred leader) the same way: a current leader keeps its
 *   partition while its node is under the leader quota, every other partition's leader is its replica leading
 *   fewest so far, then leadership is shifted along chains of partitions from a node with the most to one with at
 *   least two fewer.</li>
 * </ul>
 * Replicas that already sit well are not moved, so a balanced cluster gets an empty plan.
 *
 * <p><b>Drain</b> moves only the partitions holding the drained node: the node is replaced by the least loaded live
 * node not yet holding the partition (rack rules as above), appended last, so the next replica becomes the preferred
 * leader.
 */
final class BalancePlan {

    /** One partition: the plan's unit. */
    record Partition(String topic, int partition) implements Comparable<Partition> {
        private static final Comparator<Partition> ORDER = Comparator.comparing(Partition::topic)
                .thenComparingInt(Partition::partition);

        @Override
        public int compareTo(Partition o) {
            return ORDER.compare(this, o);
        }
    }

    private BalancePlan() {
    }

    /**
     * The balanced assignment of every partition.
     *
     * @param current each partition's replicas now, preferred leader first
     * @param live    the nodes that may hold replicas
     * @param racks   node id to rack; nodes absent have no rack
     */
    static Map<Partition, List<String>> rebalance(Map<Partition, List<String>> current, List<String> live,
                                                  Map<String, String> racks) {
        List<String> nodes = new ArrayList<>(new java.util.TreeSet<>(live));
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no live node to place replicas on");
        }
        Map<Partition, List<String>> sorted = new TreeMap<>(current);
        Map<Partition, Integer> rf = new HashMap<>();
        int total = 0;
        for (Map.Entry<Partition, List<String>> e : sorted.entrySet()) {
            int r = Math.max(1, Math.min(e.getValue().size(), nodes.size()));
            rf.put(e.getKey(), r);
            total += r;
        }
        int base = total / nodes.size();
        int extra = total % nodes.size();
        Map<String, Integer> count = new HashMap<>();
        nodes.forEach(n -> count.put(n, 0));
        int[] bigUsed = {0};
        Map<Partition, List<String>> plan = new TreeMap<>();
        Set<String> liveSet = new HashSet<>(nodes);
        // keep what sits well
        for (Map.Entry<Partition, List<String>> e : sorted.entrySet()) {
            List<String> kept = new ArrayList<>();
            for (String n : e.getValue()) {
                if (liveSet.contains(n) && !kept.contains(n) && kept.size() < rf.get(e.getKey())
                        && !rackUsed(kept, n, racks) && takes(n, count, base, extra, bigUsed)) {
                    kept.add(n);
                    count.merge(n, 1, Integer::sum);
                }
            }
            plan.put(e.getKey(), kept);
        }
        // fill the gaps on the least loaded allowed nodes
        for (Map.Entry<Partition, List<String>> e : plan.entrySet()) {
            List<String> replicas = e.getValue();
            while (replicas.size() < rf.get(e.getKey())) {
                String chosen = pick(nodes, replicas, count, racks, n -> under(n, count, base, extra, bigUsed[0]))
                        .or(() -> pick(nodes, replicas, count, racks, n -> true))
                        .or(() -> nodes.stream().filter(n -> !replicas.contains(n))
                                .min(Comparator.comparing((String n) -> count.get(n)).thenComparing(n -> n)))
                        .orElseThrow();
                if (count.get(chosen) == base && extra > 0) {
                    bigUsed[0]++;
                }
                replicas.add(chosen);
                count.merge(chosen, 1, Integer::sum);
            }
        }
        repairCounts(plan, nodes, count, racks);
        orderLeaders(plan, sorted, nodes);
        return plan;
    }

    /**
     * The replicas of a new partition (CREATE_TOPIC, ADD_PARTITIONS), preferred leader first: the nodes in ring order
     * from {@code start}, skipping a node whose rack already holds a replica while an unused rack remains; when the
     * racks run out (fewer racks than {@code rf}), the rest in ring order, so the racks are used as evenly as the ring
     * allows. Without racks (each node a rack of its own) this is plain ring order: partition p of a topic whose
     * ring starts at node s gets nodes s+p, s+p+1, ...
     *
     * @param nodes the voting members, in a fixed order (by id)
     * @param start the ring position of the partition's first choice
     */
    static List<String> place(List<String> nodes, int start, int rf, Map<String, String> racks) {
        List<String> chosen = new ArrayList<>(rf);
        for (int i = 0; i < nodes.size() && chosen.size() < rf; i++) {
            String n = nodes.get(Math.floorMod(start + i, nodes.size()));
            if (!rackUsed(chosen, n, racks)) {
                chosen.add(n);
            }
        }
        for (int i = 0; i < nodes.size() && chosen.size() < rf; i++) {
            String n = nodes.get(Math.floorMod(start + i, nodes.size()));
            if (!chosen.contains(n)) {
                chosen.add(n);
            }
        }
        return List.copyOf(chosen);
    }

    /** Every partition holding {@code node}, with the node replaced; the other partitions as they are. */
    static Map<Partition, List<String>> drain(Map<Partition, List<String>> current, String node, List<String> live,
                                              Map<String, String> racks) {
        List<String> nodes = new ArrayList<>(new java.util.TreeSet<>(live));
        nodes.remove(node);
        Map<String, Integer> count = new HashMap<>();
        nodes.forEach(n -> count.put(n, 0));
        Map<Partition, List<String>> plan = new TreeMap<>();
        current.forEach((p, r) -> {
            plan.put(p, new ArrayList<>(r));
            r.forEach(n -> count.computeIfPresent(n, (k, c) -> c + 1));
        });
        for (Map.Entry<Partition, List<String>> e : plan.entrySet()) {
            List<String> replicas = e.getValue();
            if (!replicas.remove(node)) {
                continue;
            }
            Optional<String> chosen = pick(nodes, replicas, count, racks, n -> true)
                    .or(() -> nodes.stream().filter(n -> !replicas.contains(n))
                            .min(Comparator.comparing((String n) -> count.get(n)).thenComparing(n -> n)));
            if (chosen.isPresent()) {
                replicas.add(chosen.get());
                count.merge(chosen.get(), 1, Integer::sum);
            } else if (replicas.isEmpty()) {
                throw new IllegalArgumentException("cannot drain node " + node + ": it holds the only replica of "
                        + e.getKey().topic() + "-" + e.getKey().partition() + " and no other node is live");
            }
        }
        return plan;
    }

    /** The partitions whose replica list (or its order) differs, with the old and new lists. */
    static Map<Partition, List<List<String>>> changes(Map<Partition, List<String>> current,
                                                     Map<Partition, List<String>> plan) {
        Map<Partition, List<List<String>>> moves = new TreeMap<>();
        plan.forEach((p, r) -> {
            List<String> before = current.getOrDefault(p, List.of());
            if (!before.equals(r)) {
                moves.put(p, List.of(List.copyOf(before), List.copyOf(r)));
            }
        });
        return moves;
    }

    private static boolean takes(String n, Map<String, Integer> count, int base, int extra, int[] bigUsed) {
        int c = count.get(n);
        if (c < base) {
            return true;
        }
        if (c == base && bigUsed[0] < extra) {
            bigUsed[0]++;
            return true;
        }
        return false;
    }

    private static boolean under(String n, Map<String, Integer> count, int base, int extra, int bigUsed) {
        int c = count.get(n);
        return c < base || (c == base && bigUsed < extra);
    }

    private static String rackOf(String node, Map<String, String> racks) {
        String rack = racks.get(node);
        return rack == null || rack.isEmpty() ? "\u0000" + node : rack;
    }

    private static boolean rackUsed(List<String> replicas, String node, Map<String, String> racks) {
        String rack = rackOf(node, racks);
        return replicas.stream().anyMatch(r -> rackOf(r, racks).equals(rack));
    }

    private static Optional<String> pick(List<String> nodes, List<String> replicas, Map<String, Integer> count,
                                         Map<String, String> racks, java.util.function.Predicate<String> allowed) {
        return nodes.stream().filter(n -> !replicas.contains(n) && !rackUsed(replicas, n, racks) && allowed.test(n))
                .min(Comparator.comparing((String n) -> count.get(n)).thenComparing(n -> n));
    }

    /** Moves replicas from the most to the least loaded node while they differ by more than one (racks allowing). */
    private static void repairCounts(Map<Partition, List<String>> plan, List<String> nodes, Map<String, Integer> count,
                                     Map<String, String> racks) {
        for (int guard = 0; guard < 100_000; guard++) {
            String hi = Collections.max(nodes, Comparator.comparing((String n) -> count.get(n))
                    .thenComparing(Comparator.reverseOrder()));
            String lo = Collections.min(nodes, Comparator.comparing((String n) -> count.get(n)).thenComparing(n -> n));
            if (count.get(hi) - count.get(lo) <= 1) {
                return;
            }
            boolean moved = false;
            // any over-loaded node to any under-loaded one, so a rack that blocks one pair does not stop the others
            outer:
            for (String from : nodes) {
                for (String to : nodes) {
                    if (count.get(from) - count.get(to) < 2) {
                        continue;
                    }
                    for (List<String> replicas : plan.values()) {
                        int i = replicas.indexOf(from);
                        if (i < 0 || replicas.contains(to)) {
                            continue;
                        }
                        List<String> others = new ArrayList<>(replicas);
                        others.remove(i);
                        if (!rackUsed(others, to, racks)) {
                            replicas.set(i, to);
                            count.merge(from, -1, Integer::sum);
                            count.merge(to, 1, Integer::sum);
                            moved = true;
                            break outer;
                        }
                    }
                }
            }
            if (!moved) {
                return;
            }
        }
    }

    /**
     * Puts each partition's leader first so that leadership spreads evenly: a current leader that is still a replica
     * keeps the leadership while its node is under the leader quota, the others go to their replica leading fewest.
     */
    private static void orderLeaders(Map<Partition, List<String>> plan, Map<Partition, List<String>> current,
                                     List<String> nodes) {
        Map<String, Integer> leads = new HashMap<>();
        nodes.forEach(n -> leads.put(n, 0));
        Map<Partition, String> leader = new TreeMap<>();
        int base = plan.size() / nodes.size();
        int extra = plan.size() % nodes.size();
        int[] bigUsed = {0};
        for (Map.Entry<Partition, List<String>> e : plan.entrySet()) {
            List<String> before = current.getOrDefault(e.getKey(), List.of());
            String now = before.isEmpty() ? "" : before.get(0);
            if (e.getValue().contains(now) && takes(now, leads, base, extra, bigUsed)) {
                leader.put(e.getKey(), now);
                leads.merge(now, 1, Integer::sum);
            }
        }
        for (Map.Entry<Partition, List<String>> e : plan.entrySet()) {
            if (leader.containsKey(e.getKey())) {
                continue;
            }
            String chosen = e.getValue().stream()
                    .min(Comparator.comparing((String n) -> leads.get(n)).thenComparing(n -> e.getValue().indexOf(n)))
                    .orElseThrow();
            leader.put(e.getKey(), chosen);
            leads.merge(chosen, 1, Integer::sum);
        }
        // shift leadership along chains: u leads p, v is a replica of p, ... until a node with two fewer
        for (int guard = 0; guard < 100_000; guard++) {
            int max = Collections.max(leads.values());
            Map<Partition, String> shift = null;
            for (String start : nodes) {
                if (leads.get(start) == max) {
                    shift = chain(start, max - 2, plan, leader, leads);
                    if (shift != null) {
                        break;
                    }
                }
            }
            if (shift == null) {
                break;
            }
            leader.putAll(shift);
            nodes.forEach(n -> leads.put(n, 0));
            leader.values().forEach(n -> leads.merge(n, 1, Integer::sum));
        }
        for (Map.Entry<Partition, List<String>> e : plan.entrySet()) {
            List<String> r = e.getValue();
            String l = leader.get(e.getKey());
            r.remove(l);
            r.add(0, l);
        }
    }

    /**
     * Breadth-first from {@code start} over "u leads p, v replicates p": the shortest chain to a node leading at most
     * {@code atMost}, as each partition on it with its new leader (every node on the chain gives one leadership and
     * takes one, except the two ends), or null when there is none.
     */
    private static Map<Partition, String> chain(String start, int atMost, Map<Partition, List<String>> plan,
                                                Map<Partition, String> leader, Map<String, Integer> leads) {
        Map<String, Partition> via = new HashMap<>();
        Map<String, String> parent = new HashMap<>();
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(start));
        Set<String> seen = new HashSet<>(List.of(start));
        while (!queue.isEmpty()) {
            String u = queue.poll();
            if (!u.equals(start) && leads.get(u) <= atMost) {
                Map<Partition, String> shift = new HashMap<>();
                for (String v = u; !v.equals(start); v = parent.get(v)) {
                    shift.put(via.get(v), v);
                }
                return shift;
            }
            for (Map.Entry<Partition, String> e : leader.entrySet()) {
                if (!e.getValue().equals(u)) {
                    continue;
                }
                for (String v : plan.get(e.getKey())) {
                    if (seen.add(v)) {
                        parent.put(v, u);
                        via.put(v, e.getKey());
                        queue.add(v);
                    }
                }
            }
        }
        return null;
    }
}
