package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.ClusterMetadata;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.client.FlyMqTransaction;
import flymq.client.PartitionAppend;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.StoredRecord;
import flymq.storage.StoredRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions in a three-node cluster (docs/transactions.md, "In a cluster"): the coordinator runs on the metadata
 * leader with its state in the metadata group, records and markers travel through the partition groups, and every
 * replica's read-committed readers see the same thing. Checks read each node's own copy of a partition (BATCH_FETCH
 * with the forwarded marker), so a replica that would show an uncommitted record is caught even when it does not
 * lead the partition.
 */
class ClusterTransactionTest {
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The values node {@code i} itself holds for the partition, as a reader at {@code isolation} gets them. */
    static List<String> localValues(ClusterHarness cluster, int i, String topic, int partition,
                                    BatchFetchRequest.Isolation isolation) throws IOException {
        List<String> values = new ArrayList<>();
        long next = 0;
        try (WireClient w = new WireClient(cluster.port(i))) {
            while (true) {
                WireClient.Frame f = w.call(ExtensionOpcodes.BATCH_FETCH, new BatchFetchRequest(topic, 1 << 20,
                        List.of(new BatchFetchRequest.Position(partition, next)), true, isolation));
                if (f.isError()) {
                    throw new IOException("local BATCH_FETCH on " + ClusterHarness.id(i) + ": " + f.errorText());
                }
                PayloadReader r = f.reader();
                BatchFetchResponse.PartitionHeader p = BatchFetchResponse.read(r).partitions().get(0);
                if (!p.error().isEmpty()) {
                    throw new IOException("local BATCH_FETCH on " + ClusterHarness.id(i) + ": " + p.error());
                }
                List<StoredRecord> records = StoredRecords.decode(ByteBuffer.wrap(f.payload(), r.position(),
                        p.byteLength()));
                if (records.isEmpty()) {
                    return values;
                }
                for (StoredRecord sr : records) {
                    next = sr.offset() + 1;
                    // markers travel in the answer (clients skip them, as the official decoders skip control records)
                    if (sr.headers().stream().noneMatch(h -> h.key().equals(StoredRecordLayout.TXN_MARKER_HEADER))) {
                        values.add(new String(sr.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
    }

    /** Waits until every running node's read-committed copy of every partition holds exactly {@code expected}. */
    static void awaitCommittedEverywhere(ClusterHarness cluster, String topic, List<List<String>> expected)
            throws InterruptedException {
        String[] last = {""};
        try {
            ClusterHarness.await("read-committed copies equal to " + expected, 30_000, () -> {
                for (int i = 0; i < ClusterHarness.SIZE; i++) {
                    if (!cluster.running(i)) {
                        continue;
                    }
                    for (int p = 0; p < expected.size(); p++) {
                        try {
                            List<String> got = localValues(cluster, i, topic, p,
                                    BatchFetchRequest.Isolation.READ_COMMITTED);
                            if (!got.equals(expected.get(p))) {
                                last[0] = "node " + ClusterHarness.id(i) + " partition " + p + " holds " + got;
                                return false;
                            }
                        } catch (IOException e) {
                            last[0] = e.toString();
                            return false;
                        }
                    }
                }
                return true;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
        }
    }

    private static List<ProducerRecord> records(String topic, String... values) {
        List<ProducerRecord> out = new ArrayList<>();
        for (String v : values) {
            out.add(ProducerRecord.of(topic, v.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static void sendAll(FlyMqTransaction tx, String topic, String prefix) {
        List<PartitionRecords> groups = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            groups.add(new PartitionRecords(p, records(topic, prefix + p + "a", prefix + p + "b")));
        }
        for (PartitionAppend a : tx.send(topic, groups)) {
            assertTrue(a.error().isEmpty(), "partition " + a.partition() + ": " + a.error());
        }
    }

    private static List<List<String>> committed(String... prefixes) {
        List<List<String>> all = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> values = new ArrayList<>();
            for (String prefix : prefixes) {
                values.add(prefix + p + "a");
                values.add(prefix + p + "b");
            }
            all.add(values);
        }
        return all;
    }

    private int start() throws Exception {
        cluster = new ClusterHarness(dir, 11, b -> { }).startAll();
        cluster.awaitRegistered();
        int coordinator = cluster.metadataLeader();
        try (FlyMqClient c = cluster.client(coordinator)) {
            c.createTopic("tx", PARTITIONS, 3);
        }
        for (int p = 0; p < PARTITIONS; p++) {
            cluster.partitionLeader("tx", p);
        }
        // the coordinator opens after the metadata leader's first TXN_STATE barrier; until then BEGIN_TX is refused
        // as not leader (seen when the nodes start fast): wait for it as a client retrying would
        ClusterHarness.await("the transaction coordinator open on " + coordinator, 30_000, () -> {
            try (FlyMqClient c = cluster.client(other(coordinator))) {
                c.beginTransaction().abort();
                return true;
            } catch (FlyMqException e) {
                return false;
            }
        });
        return coordinator;
    }

    private static int other(int... not) {
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            final int candidate = i;
            if (java.util.Arrays.stream(not).noneMatch(n -> n == candidate)) {
                return i;
            }
        }
        throw new AssertionError("no other node");
    }

    @Test
    void aTransactionAcrossPartitionsLedByDifferentNodesCommitsOnEveryReplica() throws Exception {
        int coordinator = start();
        List<Integer> leaders = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            leaders.add(cluster.partitionLeader("tx", p));
        }
        assertTrue(leaders.stream().distinct().count() > 1 || leaders.get(0) != coordinator,
                "some partition is led by a node other than the coordinator " + leaders);
        int client = other(coordinator); // forwarded to the coordinator
        try (FlyMqClient c = cluster.client(client)) {
            FlyMqTransaction tx = c.beginTransaction();
            sendAll(tx, "tx", "t1-");
            // open: every replica holds the records, and no read-committed reader sees them
            ClusterHarness.await("the open transaction's records on every replica", 20_000, () -> {
                for (int i = 0; i < ClusterHarness.SIZE; i++) {
                    for (int p = 0; p < PARTITIONS; p++) {
                        try {
                            if (localValues(cluster, i, "tx", p, BatchFetchRequest.Isolation.READ_UNCOMMITTED)
                                    .size() != 2) {
                                return false;
                            }
                        } catch (IOException e) {
                            return false;
                        }
                    }
                }
                return true;
            });
            for (int i = 0; i < ClusterHarness.SIZE; i++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    assertEquals(List.of(), localValues(cluster, i, "tx", p,
                            BatchFetchRequest.Isolation.READ_COMMITTED), "node " + i + " partition " + p);
                }
            }
            tx.commit();
        }
        awaitCommittedEverywhere(cluster, "tx", committed("t1-"));
    }

    @Test
    void anAbortedTransactionIsHiddenOnEveryReplicaAndCommittedOnesAroundItAreNot() throws Exception {
        int coordinator = start();
        try (FlyMqClient c = cluster.client(other(coordinator))) {
            FlyMqTransaction first = c.beginTransaction();
            sendAll(first, "tx", "a-");
            FlyMqTransaction aborted = c.beginTransaction();
            sendAll(aborted, "tx", "x-");
            first.commit();
            aborted.abort();
            FlyMqTransaction last = c.beginTransaction();
            sendAll(last, "tx", "c-");
            last.commit();
            FlyMqException refused = assertThrows(FlyMqException.class, () -> c.transaction(aborted.id()).commit());
            assertTrue(refused.getMessage().contains("aborted"), refused.getMessage());
        }
        awaitCommittedEverywhere(cluster, "tx", committed("a-", "c-"));
    }

    @Test
    void anOpenTransactionIsAbortedWhenItsCoordinatorFailsAndTheNextOneServesNewTransactions() throws Exception {
        int coordinator = start();
        int client = other(coordinator);
        String id;
        try (FlyMqClient c = cluster.client(client)) {
            FlyMqTransaction tx = c.beginTransaction();
            sendAll(tx, "tx", "lost-");
            id = tx.id();
        }
        cluster.stop(coordinator);
        int next = cluster.metadataLeader();
        try (FlyMqClient c = cluster.client(client)) {
            ClusterHarness.await("the new coordinator serving", 20_000, () -> {
                try {
                    c.beginTransaction().abort();
                    return true;
                } catch (FlyMqException e) {
                    return false;
                }
            });
            FlyMqException refused = assertThrows(FlyMqException.class, () -> c.transaction(id).commit());
            assertTrue(refused.getMessage().contains("aborted"), refused.getMessage());
            // the stopped node led some partitions too: their appends are refused until the survivors elect
            for (int p = 0; p < PARTITIONS; p++) {
                cluster.partitionLeader("tx", p);
            }
            FlyMqTransaction tx = c.beginTransaction();
            sendAll(tx, "tx", "kept-");
            tx.commit();
        }
        awaitCommittedEverywhere(cluster, "tx", committed("kept-"));
        cluster.start(coordinator); // the old coordinator's node catches up and hides the aborted records too
        awaitCommittedEverywhere(cluster, "tx", committed("kept-"));
        assertTrue(next != coordinator);
    }

    @Test
    void aDecidedCommitWhoseMarkerCouldNotBeWrittenIsCompletedByTheNextCoordinator() throws Exception {
        int coordinator = start();
        // a partition with one replica, on a node other than the coordinator: stopping that node makes its marker
        // impossible to write while the rest of the cluster runs
        try (FlyMqClient c = cluster.client(coordinator)) {
            ClusterHarness.await("a single-replica topic away from the coordinator", 20_000, () -> {
                for (int n = 0; n < 10; n++) {
                    String name = "solo" + n;
                    try {
                        c.createTopic(name, 1, 1); // creating an existing topic succeeds
                        ClusterMetadata m = c.clusterMetadata(name);
                        String replica = m.topics().get(0).partitions().get(0).replicas().get(0);
                        if (ClusterHarness.index(replica) != coordinator) {
                            solo = name;
                            soloNode = ClusterHarness.index(replica);
                            return true;
                        }
                    } catch (RuntimeException e) {
                        return false;
                    }
                }
                return false;
            });
        }
        cluster.partitionLeader(solo, 0);
        int third = other(coordinator, soloNode);
        try (FlyMqClient c = cluster.client(third)) {
            FlyMqTransaction tx = c.beginTransaction();
            sendAll(tx, "tx", "d-");
            List<PartitionAppend> soloAppend = tx.send(solo, List.of(new PartitionRecords(0,
                    records(solo, "solo-a"))));
            assertTrue(soloAppend.get(0).error().isEmpty(), soloAppend.get(0).error());
            cluster.stop(soloNode);
            // the decision is stored, the marker of the stopped partition cannot be written: the commit fails
            assertThrows(FlyMqException.class, tx::commit);
        }
        cluster.stop(coordinator);
        cluster.start(soloNode);
        // the third node becomes (or a restarted one is) the coordinator and completes the commit
        awaitCommittedEverywhere(cluster, "tx", committed("d-"));
        ClusterHarness.await("the solo partition's record committed", 30_000, () -> {
            try {
                return localValues(cluster, soloNode, solo, 0, BatchFetchRequest.Isolation.READ_COMMITTED)
                        .equals(List.of("solo-a"));
            } catch (IOException e) {
                return false;
            }
        });
        cluster.start(coordinator);
        awaitCommittedEverywhere(cluster, "tx", committed("d-"));
    }

    @Test
    void aTransactionsGroupOffsetIsCommittedOnEveryNodeWithItAndNeverWithAnAbortedOne() throws Exception {
        int coordinator = start();
        try (FlyMqClient c = cluster.client(other(coordinator))) {
            FlyMqTransaction setup = c.beginTransaction();
            sendAll(setup, "tx", "in-");
            setup.commit();
            // consume-transform-produce: the output and the input position move together
            FlyMqTransaction moved = c.beginTransaction();
            sendAll(moved, "tx", "out-");
            moved.commitOffset("tx", "pipeline", 1, 2);
            FlyMqTransaction dropped = c.beginTransaction();
            dropped.commitOffset("tx", "pipeline", 2, 2);
            moved.commit();
            dropped.abort();
        }
        ClusterHarness.await("the committed offset on every node, the aborted one nowhere", 20_000, () -> {
            for (int i = 0; i < ClusterHarness.SIZE; i++) {
                try (FlyMqClient c = cluster.client(i)) {
                    if (c.getOffset("tx", "pipeline", 1) != 2 || c.getOffset("tx", "pipeline", 2) == 2) {
                        return false;
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        });
        awaitCommittedEverywhere(cluster, "tx", committed("in-", "out-"));
    }

    private String solo;
    private int soloNode;
}
