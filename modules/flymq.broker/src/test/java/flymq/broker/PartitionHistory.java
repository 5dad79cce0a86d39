package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import flymq.client.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cluster history checker of one partition: what producers were told against what the cluster holds. Every batch
 * acknowledged (acks=all) is readable exactly once, at the offsets its answer named; acknowledgements are in offset
 * order; a batch whose outcome the producer never learned is present at most once; no record appears that nobody
 * produced; offsets are contiguous; every listed replica holds the same records.
 */
final class PartitionHistory {

    /** One produce attempt: its values and, when acknowledged, the base offset answered (-1: outcome unknown). */
    record Attempt(int partition, List<String> values, long ackedBase) {
        boolean acked() {
            return ackedBase >= 0;
        }
    }

    /** Reads the whole partition through the cluster into {@code into}; false when a read failed (retried). */
    interface Reader {
        boolean readAll(List<Message> into);
    }

    /** One replica's own copy of the partition. */
    interface Replica {
        String name();

        List<Message> records() throws IOException;
    }

    private PartitionHistory() {
    }

    static void check(String topic, int partition, List<Attempt> history, Reader reader, List<Replica> replicas)
            throws Exception {
        int expectedMin = (int) history.stream().filter(Attempt::acked).mapToLong(a -> a.values().size()).sum();
        List<Message> all = new ArrayList<>();
        ClusterHarness.await("a complete read of " + topic + "-" + partition, 20_000, () -> reader.readAll(all));
        // replicas apply commits a moment apart: give the read a few seconds to show every acknowledged record,
        // then let the checks below name whatever is missing
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (all.size() < expectedMin && System.nanoTime() < deadline) {
            Thread.sleep(50);
            List<Message> again = new ArrayList<>();
            if (reader.readAll(again)) {
                all.clear();
                all.addAll(again);
            }
        }
        Map<String, List<Long>> offsetsOf = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.get(i).offset(), "offsets of " + topic + "-" + partition + " are contiguous");
            offsetsOf.computeIfAbsent(all.get(i).valueAsString(), v -> new ArrayList<>()).add(all.get(i).offset());
        }
        Set<String> produced = new TreeSet<>();
        long lastAcked = -1;
        for (Attempt a : history) {
            produced.addAll(a.values());
            for (int r = 0; r < a.values().size(); r++) {
                List<Long> at = offsetsOf.getOrDefault(a.values().get(r), List.of());
                if (a.acked()) {
                    assertEquals(List.of(a.ackedBase() + r), at, "acknowledged record " + a.values().get(r)
                            + " must be present exactly once, at the offset its answer named (the read gave "
                            + all.size() + " records, " + expectedMin + " acknowledged)");
                } else {
                    assertTrue(at.size() <= 1, "unacknowledged record " + a.values().get(r) + " appears " + at.size()
                            + " times");
                }
            }
            if (a.acked()) {
                assertTrue(a.ackedBase() > lastAcked, "acknowledgements of " + topic + "-" + partition
                        + " are in offset order: " + a.ackedBase() + " after " + lastAcked);
                lastAcked = a.ackedBase();
            }
        }
        for (String v : offsetsOf.keySet()) {
            if (!produced.contains(v)) {
                fail(topic + "-" + partition + " holds a record nobody produced: " + v);
            }
        }
        List<String> values = all.stream().map(Message::valueAsString).toList();
        for (Replica replica : replicas) {
            ClusterHarness.await(replica.name() + "'s replica of " + topic + "-" + partition, 20_000, () -> {
                try {
                    return replica.records().size() >= values.size();
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            });
            assertEquals(values, replica.records().stream().map(Message::valueAsString).toList(),
                    replica.name() + " holds the same records of " + topic + "-" + partition);
        }
    }

    /**
     * Reads the whole partition through {@code client} (a node that routes to the leader) into {@code into};
     * false when a read failed, so a caller polling during an election asks again.
     */
    static boolean readAll(flymq.client.FlyMqClient client, String topic, int partition, List<Message> into) {
        into.clear();
        try {
            long next = 0;
            while (true) {
                var f = client.batchFetch(topic, List.of(new flymq.client.FetchPosition(partition, next)), 1 << 20)
                        .get(0);
                if (!f.ok()) {
                    return false;
                }
                if (f.records().isEmpty()) {
                    return true;
                }
                into.addAll(f.records());
                next = f.nextOffset(next);
            }
        } catch (flymq.client.FlyMqException e) {
            return false;
        }
    }
}
