package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.client.RecordMetadata;
import flymq.protocol.message.BatchFetchRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transactional history check of {@code txn.TransactionHistoryProperties}, on a three-node cluster whose
 * coordinator (the metadata leader) and partition leaders are stopped and restarted in the middle of the history. A
 * seeded sequence of operations (begin, transactional produce, plain produce, commit, abort, and the kills) is run
 * one at a time through whichever node is up, every outcome recorded. Checked:
 * <ul>
 *   <li>after every step, on every running node's own copy of every partition: no record of a transaction that is
 *       not committed (open, aborted, or ended unknown-to-the-client but not committed) is visible to a
 *       read-committed reader, unless the transaction later turns out committed;</li>
 *   <li>at the end, once every node runs again and the copies agree: every replica holds the same read-committed
 *       records; every acknowledged plain record and every acknowledged record of a committed transaction exactly
 *       once; no record of an aborted transaction; a transaction whose COMMIT_TX outcome the client never learned is
 *       all or nothing across its partitions; records of one transaction in one partition in the order produced;
 *       nothing nobody produced.</li>
 * </ul>
 * The kills are part of the seeded sequence, so a failing seed replays the same history (up to Raft's timing).
 */
class ClusterTransactionHistoryTest {
    private static final String TOPIC = "txh";
    private static final int PARTITIONS = 3;
    private static final int STEPS = 60;

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private enum Fate { OPEN, COMMITTED, ABORTED, UNKNOWN }

    /** One transaction as the client knows it. */
    private static final class Txn {
        final String id;
        final int label;
        Fate fate = Fate.OPEN;
        /** Acknowledged records: value to partition. */
        final Map<String, Integer> acked = new LinkedHashMap<>();
        /** Records whose PRODUCE_TX failed: maybe appended. */
        final Set<String> maybe = new HashSet<>();

        Txn(String id, int label) {
            this.id = id;
            this.label = label;
        }
    }

    private final Random random = new Random(20261203);
    private final List<Txn> txns = new ArrayList<>();
    private final Map<String, Txn> txnOfValue = new HashMap<>();
    private final Map<String, Integer> plainAcked = new LinkedHashMap<>();
    private final Set<String> plainMaybe = new HashSet<>();
    private int values;
    /** What happened, for the failure message. */
    private final List<String> history = new ArrayList<>();

    @Test
    void readCommittedReadersOfEveryReplicaSeeCommittedTransactionsWholeAndNothingElseAcrossLeaderKills()
            throws Exception {
        // plain produces acknowledged by a majority, so an acknowledged one must survive the kills
        cluster = new ClusterHarness(dir, 5, b -> { }).withFlags(Map.of("performance.acks", "all")).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(cluster.metadataLeader())) {
            c.createTopic(TOPIC, PARTITIONS, 3);
        }
        for (int p = 0; p < PARTITIONS; p++) {
            cluster.partitionLeader(TOPIC, p);
        }
        int kills = 0;
        for (int step = 0; step < STEPS; step++) {
            int dice = random.nextInt(100);
            List<Txn> open = txns.stream().filter(t -> t.fate == Fate.OPEN).toList();
            if (dice < 15 && open.size() < 3) {
                begin();
            } else if (dice < 45 && !open.isEmpty()) {
                produceTx(open.get(random.nextInt(open.size())), 1 + random.nextInt(3));
            } else if (dice < 55) {
                producePlain(random.nextInt(PARTITIONS));
            } else if (dice < 72 && !open.isEmpty()) {
                end(open.get(random.nextInt(open.size())), true);
            } else if (dice < 80 && !open.isEmpty()) {
                end(open.get(random.nextInt(open.size())), false);
            } else if (dice < 90 && kills < 4) {
                kills++;
                int victim = random.nextBoolean() ? cluster.metadataLeader()
                        : cluster.partitionLeader(TOPIC, random.nextInt(PARTITIONS));
                cluster.stop(victim);
                history.add("stopped " + ClusterHarness.id(victim));
                checkNothingUncommittedVisible("after stopping " + ClusterHarness.id(victim));
                cluster.start(victim);
                cluster.awaitRegistered();
            } else {
                begin();
            }
            checkNothingUncommittedVisible("after step " + step);
        }
        for (Txn t : txns) {
            if (t.fate == Fate.OPEN) {
                end(t, random.nextBoolean());
            }
        }
        for (Txn t : txns) {
            if (t.fate == Fate.UNKNOWN) {
                end(t, true); // the cluster runs again: a retried COMMIT_TX learns how it ended (or commits it)
            }
        }
        assertTrue(kills > 0, "the seed kills some leader");
        assertTrue(txns.stream().anyMatch(t -> t.fate == Fate.COMMITTED), "some transaction commits");
        checkFinal();
    }

    // ------------------------------------------------------------------ operations

    /** Runs {@code op} on a running node, retrying while leadership moves; null when it keeps failing. */
    private <T> T attempt(java.util.function.Function<FlyMqClient, T> op) {
        for (int attempt = 0; attempt < 40; attempt++) {
            int node = firstRunningFrom(random.nextInt(ClusterHarness.SIZE));
            try (FlyMqClient c = cluster.client(node, Duration.ofSeconds(15))) {
                return op.apply(c);
            } catch (FlyMqException e) {
                if (!retriable(e)) {
                    throw e;
                }
            }
            sleep();
        }
        return null;
    }

    private static boolean retriable(FlyMqException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("not leader") || m.contains("is starting") || m.contains("no leader")
                || m.contains("not committed within") || m.contains("cannot forward") || m.contains("no longer runs");
    }

    private int firstRunningFrom(int start) {
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int n = (start + i) % ClusterHarness.SIZE;
            if (cluster.running(n)) {
                return n;
            }
        }
        throw new AssertionError("no node running");
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void begin() {
        String id = attempt(c -> c.beginTransaction().id());
        if (id != null) {
            txns.add(new Txn(id, txns.size()));
        }
        history.add("begin " + id + " (t" + (txns.size() - 1) + ")");
    }

    private void produceTx(Txn t, int count) {
        for (int i = 0; i < count; i++) {
            String value = "t" + t.label + "-" + (values++);
            txnOfValue.put(value, t);
            try (FlyMqClient c = cluster.client(firstRunningFrom(random.nextInt(ClusterHarness.SIZE)),
                    Duration.ofSeconds(15))) {
                RecordMetadata m = c.transaction(t.id).produce(TOPIC, value.getBytes(StandardCharsets.UTF_8));
                t.acked.put(value, m.partition());
                history.add(t.id + " produced " + value + " at " + m.partition() + "/" + m.offset());
            } catch (FlyMqException e) {
                t.maybe.add(value);
                history.add(t.id + " produce " + value + " failed: " + e.getMessage());
                if (String.valueOf(e.getMessage()).contains("is not open")) {
                    t.fate = e.getMessage().contains("committed") ? Fate.COMMITTED : Fate.ABORTED;
                    return;
                }
            }
        }
    }

    private void producePlain(int partition) {
        String value = "p-" + (values++);
        try (FlyMqClient c = cluster.client(firstRunningFrom(random.nextInt(ClusterHarness.SIZE)),
                Duration.ofSeconds(15))) {
            c.produce(TOPIC, partition, null, value.getBytes(StandardCharsets.UTF_8));
            plainAcked.put(value, partition);
        } catch (FlyMqException e) {
            plainMaybe.add(value);
        }
    }

    /** COMMIT_TX or ABORT_TX, retried (both are idempotent) until the broker answers it or says how it ended. */
    private void end(Txn t, boolean commit) {
        for (int attempt = 0; attempt < 40; attempt++) {
            int node = firstRunningFrom(random.nextInt(ClusterHarness.SIZE));
            try (FlyMqClient c = cluster.client(node, Duration.ofSeconds(15))) {
                if (commit) {
                    c.transaction(t.id).commit();
                    t.fate = Fate.COMMITTED;
                } else {
                    c.transaction(t.id).abort();
                    t.fate = Fate.ABORTED;
                }
                history.add((commit ? "committed " : "aborted ") + t.id);
                return;
            } catch (FlyMqException e) {
                String m = String.valueOf(e.getMessage());
                history.add((commit ? "commit " : "abort ") + t.id + " failed: " + m);
                if (m.contains("is not open: it was committed") || m.contains("cannot be aborted")) {
                    t.fate = Fate.COMMITTED;
                    if (m.contains("cannot be aborted")) {
                        commit = true; // decided: completing it is the only way on
                        continue;
                    }
                    return;
                }
                if (m.contains("is not open: it was aborted")) {
                    t.fate = Fate.ABORTED;
                    return;
                }
            }
            sleep();
        }
        t.fate = Fate.UNKNOWN;
    }

    // ------------------------------------------------------------------ checks

    private List<String> copy(int node, int partition) throws IOException {
        return ClusterTransactionTest.localValues(cluster, node, TOPIC, partition,
                BatchFetchRequest.Isolation.READ_COMMITTED);
    }

    /** No running replica shows a record of a transaction the client does not know committed (nor unknown). */
    private void checkNothingUncommittedVisible(String when) throws IOException {
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            if (!cluster.running(i)) {
                continue;
            }
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> seen;
                try {
                    seen = copy(i, p);
                } catch (IOException e) {
                    continue; // the node is still starting its partition groups
                }
                for (String v : seen) {
                    Txn t = txnOfValue.get(v);
                    if (t != null && (t.fate == Fate.OPEN || t.fate == Fate.ABORTED)) {
                        throw new AssertionError(when + ": node " + ClusterHarness.id(i) + " partition " + p
                                + " shows " + v + " of transaction " + t.id + ", which is " + t.fate
                                + "\nhistory:\n  " + String.join("\n  ", history));
                    }
                }
            }
        }
    }

    private void checkFinal() throws Exception {
        Map<Integer, List<String>> agreed = new HashMap<>();
        ClusterHarness.await("every replica holding the same read-committed records", 60_000, () -> {
            agreed.clear();
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> first = null;
                for (int i = 0; i < ClusterHarness.SIZE; i++) {
                    List<String> seen;
                    try {
                        seen = copy(i, p);
                    } catch (IOException e) {
                        return false;
                    }
                    if (first == null) {
                        first = seen;
                    } else if (!first.equals(seen)) {
                        return false;
                    }
                }
                agreed.put(p, first);
            }
            return true;
        });
        Map<String, Integer> seenAt = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (String v : agreed.get(p)) {
                assertTrue(seenAt.put(v, p) == null, v + " appears twice");
                assertTrue(txnOfValue.containsKey(v) || plainAcked.containsKey(v) || plainMaybe.contains(v),
                        v + " was never produced");
            }
        }
        plainAcked.forEach((v, p) -> assertEquals(p, seenAt.get(v), "acknowledged plain record " + v));
        for (Txn t : txns) {
            boolean anyVisible = t.acked.keySet().stream().anyMatch(seenAt::containsKey)
                    || t.maybe.stream().anyMatch(seenAt::containsKey);
            switch (t.fate) {
                case COMMITTED -> t.acked.forEach((v, p) -> assertEquals(p, seenAt.get(v),
                        "record " + v + " of committed transaction " + t.id));
                case ABORTED -> assertTrue(!anyVisible, "a record of aborted transaction " + t.id + " is visible");
                default -> throw new AssertionError("transaction " + t.id + " still " + t.fate + "\nhistory:\n  "
                        + String.join("\n  ", history));
            }
            // in produce order within each partition
            for (int p = 0; p < PARTITIONS; p++) {
                final int partition = p;
                List<String> produced = t.acked.entrySet().stream().filter(e -> e.getValue() == partition)
                        .map(Map.Entry::getKey).toList();
                List<String> visible = agreed.get(p).stream().filter(produced::contains).toList();
                if (!visible.isEmpty()) {
                    assertEquals(produced, visible, "transaction " + t.id + " in partition " + p);
                }
            }
        }
    }
}
