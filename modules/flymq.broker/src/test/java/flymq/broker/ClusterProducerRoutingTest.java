package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.client.FlyMqProducer;
import flymq.client.Message;
import flymq.client.ProducerConfig;
import flymq.client.ProducerRecord;
import flymq.client.RecordMetadata;
import flymq.protocol.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FlyMqProducer} in a three-node cluster sends each partition's batches to the partition's leader itself.
 * Every node advertises the address of a {@link ProduceTap} in front of its client port, so the produce requests a
 * node receives, from the producer or forwarded by another node, pass through its tap: with one partition led by
 * each node, every leader gets its partition's batches from the producer on one connection and no node forwards any.
 * And when a leader stops mid-stream, its partition's retries go to the next leader: every record acknowledged,
 * stored once, in order. A single broker gets everything on the producer's one connection, whatever address it
 * reports.
 */
class ClusterProducerRoutingTest {
    private static final String TOPIC = "routed";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private ClusterHarness cluster;
    private TestBroker single;
    private final List<ProduceTap> taps = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (single != null) {
            single.close();
        }
        for (ProduceTap t : taps) {
            t.close();
        }
    }

    /**
     * Three nodes behind taps, the topic created, each partition led by another node. Leaders move only when one
     * fails (no periodic hand-over), and a leader keeps its place for 4 s without heartbeats answered, so that a
     * loaded machine does not move them during the run.
     */
    private void start(long seed) throws Exception {
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            int node = i;
            taps.add(new ProduceTap(() -> cluster.port(node)));
        }
        cluster = new ClusterHarness(dir, seed, b -> b.leaderHeartbeatTimeout(Duration.ofSeconds(4)))
                .withFlags(Map.of("cluster.leader_balance_interval_ms", "0"))
                .withNodeFlags(i -> Map.of("advertised_addr", taps.get(i).address()))
                .startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic(TOPIC, PARTITIONS, 3);
        }
        // the first replica of each partition is a different node (ring placement); the first elections need not
        // pick it, elect-leaders hands each partition to it
        ClusterHarness.await("each partition led by another node", 30_000, () -> {
            if (new HashSet<>(leaders().values()).size() == PARTITIONS) {
                return true;
            }
            try (FlyMqClient c = cluster.client(0)) {
                c.electLeaders();
            } catch (FlyMqException e) {
                // nothing to hand over yet (a replica not caught up): asked again
            }
            return false;
        });
    }

    /** Partition → index of its leading node, as every running node agrees (empty while they do not). */
    private Map<Integer, Integer> leaders() {
        Map<Integer, Integer> leaders = new HashMap<>();
        try {
            for (int p = 0; p < PARTITIONS; p++) {
                leaders.put(p, cluster.partitionLeader(TOPIC, p));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
        return leaders;
    }

    private static ProducerConfig config() {
        return ProducerConfig.defaults().withAcks(Acks.ALL).withLinger(Duration.ofMillis(2)).withBatchSize(4096)
                .withRetryBackoff(Duration.ofMillis(20)).withDeliveryTimeout(Duration.ofSeconds(60));
    }

    private static byte[] value(int i) {
        return ("r" + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eachLeaderReceivesItsPartitionsBatchesFromTheProducerAndNoNodeForwardsAny() throws Exception {
        start(31);
        Map<Integer, Integer> leaders = leaders();
        int bootstrap = leaders.get(0); // the given client's node leads partition 0, the others are elsewhere
        for (ProduceTap t : taps) {
            t.clear();
        }
        int records = 3_000;
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (FlyMqClient client = FlyMqClient.builder().bootstrap(taps.get(bootstrap).address())
                .requestTimeout(Duration.ofSeconds(20)).build();
             FlyMqProducer producer = new FlyMqProducer(client, config())) {
            for (int i = 0; i < records; i++) {
                sent.add(producer.send(ProducerRecord.of(TOPIC, value(i)).withPartition(i % PARTITIONS)));
                if (i % 500 == 499) {
                    producer.flush(); // several rounds of requests, not one burst
                }
            }
            producer.flush();
            assertEquals(0, producer.retriedBatches(), "no batch needed a retry");
        }
        assertEquals(leaders, leaders(), "the leaders moved during the run: the taps' view below would not hold");

        for (int node = 0; node < ClusterHarness.SIZE; node++) {
            ProduceTap tap = taps.get(node);
            assertEquals(List.of(), tap.unreadable);
            List<ProduceTap.Produce> seen = tap.produces();
            assertTrue(seen.stream().noneMatch(ProduceTap.Produce::forwarded),
                    "n" + (node + 1) + " was forwarded produce requests: " + seen.stream()
                            .filter(ProduceTap.Produce::forwarded).limit(3).toList());
            Set<Integer> led = new HashSet<>();
            leaders.forEach((p, n) -> {
                if (n == tapIndex(tap)) {
                    led.add(p);
                }
            });
            Set<Integer> partitions = new HashSet<>();
            Set<Integer> connections = new HashSet<>();
            for (ProduceTap.Produce p : seen) {
                partitions.addAll(p.partitions());
                connections.add(p.connection());
            }
            assertEquals(led, partitions, "partitions whose batches reached n" + (node + 1));
            assertEquals(1, connections.size(), "the producer's connections to n" + (node + 1));
        }
        Map<String, RecordMetadata> acked = acknowledged(sent, records);
        for (int p = 0; p < PARTITIONS; p++) {
            assertStoredOnceInOrder(p, acked, records);
        }
    }

    private int tapIndex(ProduceTap tap) {
        return taps.indexOf(tap);
    }

    @Test
    void aLeaderStoppedMidStreamLosesNoRecordAndItsPartitionGoesToTheNextLeader() throws Exception {
        start(37);
        Map<Integer, Integer> leaders = leaders();
        int victim = leaders.get(0);
        int bootstrap = leaders.get(1); // the victim is one of the producer's leader connections
        CountDownLatch stopped = new CountDownLatch(1);
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        long retried;
        int nextLeader;
        try (FlyMqClient client = FlyMqClient.builder().bootstrap(taps.get(bootstrap).address())
                .requestTimeout(Duration.ofSeconds(20)).build();
             FlyMqProducer producer = new FlyMqProducer(client, config())) {
            // rounds of 30 records, each flushed: the stop comes while records are in flight, and the stream goes
            // on until partition 0's batches reach its next leader from the producer (20 rounds at least)
            nextLeader = -1;
            int afterStop = 0;
            long deadline = 0;
            for (int round = 0; ; round++) {
                for (int k = 0; k < 30; k++) {
                    int i = sent.size();
                    sent.add(producer.send(ProducerRecord.of(TOPIC, value(i)).withPartition(i % PARTITIONS)));
                }
                if (round == 10) {
                    Thread.ofPlatform().start(() -> {
                        cluster.stop(victim);
                        stopped.countDown();
                    });
                }
                producer.flush();
                if (nextLeader < 0 && stopped.getCount() == 0) {
                    nextLeader = cluster.partitionLeader(TOPIC, 0);
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    for (ProduceTap t : taps) {
                        t.clear();
                    }
                } else if (nextLeader >= 0 && ++afterStop >= 20
                        && (sentDirectly(nextLeader, 0) || System.nanoTime() - deadline > 0)) {
                    break;
                }
            }
            assertTrue(stopped.await(30, TimeUnit.SECONDS), "the leader did not stop");
            retried = producer.retriedBatches();
        }
        int records = sent.size();
        Map<String, RecordMetadata> acked = acknowledged(sent, records);
        System.out.println("routing failover: " + records + " records acknowledged, " + retried
                + " batches retried, partition 0 led by n" + (nextLeader + 1) + " after n" + (victim + 1));
        for (int node = 0; node < ClusterHarness.SIZE; node++) {
            System.out.println("  after the stop, n" + (node + 1) + " received " + summary(taps.get(node)));
        }
        assertTrue(retried > 0, "the stop cost no retry: the test did not exercise the failover");
        assertFalse(nextLeader == victim);
        assertTrue(sentDirectly(nextLeader, 0),
                "partition 0's next leader n" + (nextLeader + 1) + " got no batch of it from the producer");
        for (int p = 0; p < PARTITIONS; p++) {
            assertStoredOnceInOrder(p, acked, records);
        }
    }

    @Test
    void aSingleBrokerGetsEveryBatchOnTheGivenConnectionWhateverAddressItAdvertises() throws Exception {
        // a broker behind an address translation reports another address than the one this client uses
        ProduceTap tap = new ProduceTap(() -> single.node.boundPort());
        taps.add(tap);
        single = TestBroker.start(dir.resolve("single"), "advertised_addr", tap.address());
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + single.node.boundPort());
             FlyMqProducer producer = new FlyMqProducer(client, config())) {
            client.createTopic(TOPIC, PARTITIONS);
            assertEquals(tap.address(), client.clusterMetadata(TOPIC).topic(TOPIC).orElseThrow().partitions().get(1)
                    .leaderAddress(), "the broker reports the tap as every partition's leader");
            for (int i = 0; i < 300; i++) {
                sent.add(producer.send(ProducerRecord.of(TOPIC, value(i)).withPartition(i % PARTITIONS)));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(i / PARTITIONS, sent.get(i).get(10, TimeUnit.SECONDS).offset());
            }
        }
        assertEquals(List.of(), tap.produces(), "a batch went to the address the single broker reports");
    }

    /** Whether node {@code node}'s tap saw a batch of {@code partition} that no node forwarded. */
    private boolean sentDirectly(int node, int partition) {
        return taps.get(node).produces().stream().anyMatch(p -> !p.forwarded() && p.partitions().contains(partition));
    }

    /** Groups per partition a tap saw, sent by the producer and forwarded by a node. */
    private static String summary(ProduceTap tap) {
        Map<Integer, Integer> direct = new java.util.TreeMap<>();
        Map<Integer, Integer> forwarded = new java.util.TreeMap<>();
        for (ProduceTap.Produce p : tap.produces()) {
            for (int partition : p.partitions()) {
                (p.forwarded() ? forwarded : direct).merge(partition, 1, Integer::sum);
            }
        }
        return "groups by partition from the producer " + direct + ", forwarded " + forwarded;
    }

    /** Every record's acknowledgement by value; fails on the first record that failed. */
    private static Map<String, RecordMetadata> acknowledged(List<CompletableFuture<RecordMetadata>> sent,
                                                            int records) throws Exception {
        Map<String, RecordMetadata> acked = new HashMap<>();
        for (int i = 0; i < records; i++) {
            try {
                acked.put(new String(value(i), StandardCharsets.UTF_8), sent.get(i).get(60, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                throw new AssertionError("record " + i + " failed", e.getCause());
            }
        }
        return acked;
    }

    /**
     * The partition holds each of its records once, at the offset its acknowledgement named, in send order (record
     * i goes to partition i mod 3).
     */
    private void assertStoredOnceInOrder(int partition, Map<String, RecordMetadata> acked, int records)
            throws Exception {
        int expected = records / PARTITIONS + (partition < records % PARTITIONS ? 1 : 0);
        List<Message> stored = cluster.readPartition(cluster::firstRunning, TOPIC, partition, expected);
        assertEquals(expected, stored.size(), "records of partition " + partition);
        for (int k = 0; k < stored.size(); k++) {
            Message m = stored.get(k);
            assertEquals(k, m.offset(), "offsets of partition " + partition + " are contiguous");
            String v = m.valueAsString();
            assertEquals("r" + (k * PARTITIONS + partition), v, "partition " + partition + " at offset " + k);
            RecordMetadata md = acked.get(v);
            assertEquals(partition, md.partition());
            assertEquals(k, md.offset(), "record " + v + " is where its acknowledgement said");
        }
    }
}
