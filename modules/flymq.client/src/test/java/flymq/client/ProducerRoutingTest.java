package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.AuthRequest;
import flymq.protocol.message.AuthResponse;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import flymq.protocol.message.ClusterMetadataResponse;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where the producer sends each partition's batches: to the partition's leader as CLUSTER_METADATA names it, on one
 * connection per leader opened with the given client's settings, and through the given client whenever no leader
 * can be used. Three scripted servers stand in for the nodes of a cluster; they share the partitions' logs, so a
 * batch is appended wherever it lands, and each records the requests it received.
 */
class ProducerRoutingTest {
    private static final String TOPIC = "t";
    private static final int PARTITIONS = 3;

    /** The cluster's state as the scripted nodes answer it: logs, metadata, and what a node does next. */
    private static final class Cluster implements AutoCloseable {
        final long[] next = new long[PARTITIONS];
        volatile String clusterId = "flymq-test";
        final String[] leaderIds = new String[PARTITIONS];
        final String[] leaderAddrs = new String[PARTITIONS];
        final List<Node> nodes = new ArrayList<>();

        Cluster() throws Exception {
            for (int i = 0; i < PARTITIONS; i++) {
                nodes.add(new Node(this, "n" + (i + 1)));
            }
            for (int p = 0; p < PARTITIONS; p++) {
                lead(p, p); // node i leads partition i
            }
        }

        void lead(int partition, int node) {
            leaderIds[partition] = nodes.get(node).id;
            leaderAddrs[partition] = nodes.get(node).server.address();
        }

        Node node(int i) {
            return nodes.get(i);
        }

        synchronized byte[] metadata(ScriptedServer.Request r) {
            List<ClusterMetadataResponse.Partition> ps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                ps.add(new ClusterMetadataResponse.Partition(p, leaderIds[p], leaderAddrs[p], 1, "online",
                        List.of(), List.of()));
            }
            PayloadWriter out = new PayloadWriter(256);
            new ClusterMetadataResponse(clusterId, List.of(new ClusterMetadataResponse.Topic(TOPIC, ps))).write(out);
            return ScriptedServer.frame(ScriptedServer.CLUSTER_METADATA, out.toPayload());
        }

        synchronized byte[] append(BatchProduceRequest req) {
            List<BatchProduceResponse.GroupResult> results = new ArrayList<>();
            for (BatchProduceRequest.Group g : req.groups()) {
                results.add(BatchProduceResponse.GroupResult.appended(g.partition(), next[g.partition()],
                        g.recordCount()));
                next[g.partition()] += g.recordCount();
            }
            return ScriptedServer.batchProduceAnswer(req.topic(), results);
        }

        @Override
        public void close() throws Exception {
            for (Node n : nodes) {
                n.server.close();
            }
        }
    }

    /** One scripted node: accepts any login, appends batches to the cluster's logs, answers its metadata. */
    private static final class Node {
        final String id;
        final ScriptedServer server;
        /** What the node does with a BATCH_PRODUCE before appending it: null appends, else its answer (null closes). */
        volatile Function<BatchProduceRequest, byte[]> intercept;

        Node(Cluster cluster, String id) throws Exception {
            this.id = id;
            this.server = new ScriptedServer(r -> {
                if (r.opcode() == 0x70) {
                    AuthRequest login = AuthRequest.read(new PayloadReader(r.payload()));
                    PayloadWriter out = new PayloadWriter(64);
                    new AuthResponse(true, login.username(), List.of("producer"), "").write(out);
                    return ScriptedServer.frame(0x71, out.toPayload());
                }
                if (r.opcode() != 0xC0) {
                    return ScriptedServer.error("unexpected opcode " + r.opcode());
                }
                BatchProduceRequest req = BatchProduceRequest.read(new PayloadReader(r.payload()));
                Function<BatchProduceRequest, byte[]> i = intercept;
                if (i != null) {
                    intercept = null;
                    return i.apply(req);
                }
                return cluster.append(req);
            }).withMetadata(cluster::metadata);
        }

        /** The BATCH_PRODUCE requests it received. */
        List<BatchProduceRequest> batches() {
            return server.requests.stream().filter(r -> r.opcode() == 0xC0)
                    .map(r -> BatchProduceRequest.read(new PayloadReader(r.payload()))).toList();
        }

        /** The partition of every group it received, in order. */
        List<Integer> partitions() {
            List<Integer> all = new ArrayList<>();
            for (BatchProduceRequest b : batches()) {
                for (BatchProduceRequest.Group g : b.groups()) {
                    all.add(g.partition());
                }
            }
            return all;
        }

        List<String> logins() {
            return server.requests.stream().filter(r -> r.opcode() == 0x70)
                    .map(r -> AuthRequest.read(new PayloadReader(r.payload())).username()).toList();
        }
    }

    private Cluster cluster;

    @AfterEach
    void close() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Batches go out only on flush (an hour's linger), so each test knows its requests. */
    private static ProducerConfig quick() {
        return ProducerConfig.defaults().withAcks(Acks.ALL).withLinger(Duration.ofHours(1))
                .withRetryBackoff(Duration.ofMillis(5)).withDeliveryTimeout(Duration.ofSeconds(20));
    }

    /** {@code perPartition} records to each partition, record i to partition i mod 3; flushed. */
    private static List<CompletableFuture<RecordMetadata>> send(FlyMqProducer producer, int perPartition) {
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < perPartition * PARTITIONS; i++) {
            sent.add(producer.send(ProducerRecord.of(TOPIC, ("r" + i).getBytes(StandardCharsets.UTF_8))
                    .withPartition(i % PARTITIONS)));
        }
        producer.flush();
        return sent;
    }

    /** Record i is the (i / 3)-th of its partition: each partition's records were appended in send order. */
    private static void assertAppendedInOrder(List<CompletableFuture<RecordMetadata>> sent) throws Exception {
        assertAppendedInOrder(sent, 0);
    }

    /** As {@link #assertAppendedInOrder(List)}, after {@code before} records of each partition. */
    private static void assertAppendedInOrder(List<CompletableFuture<RecordMetadata>> sent, long before)
            throws Exception {
        for (int i = 0; i < sent.size(); i++) {
            RecordMetadata md = sent.get(i).get(10, TimeUnit.SECONDS);
            assertEquals(i % PARTITIONS, md.partition(), "record " + i);
            assertEquals(before + i / PARTITIONS, md.offset(), "record " + i);
        }
    }

    @Test
    void eachPartitionsBatchesGoStraightToItsLeaderOnOneLoggedInConnectionPerLeader() throws Exception {
        cluster = new Cluster();
        try (FlyMqClient client = FlyMqClient.builder().bootstrap(cluster.node(0).server.address())
                .credentials("app", "pw-app").build();
             FlyMqProducer producer = new FlyMqProducer(client, quick())) {
            assertAppendedInOrder(send(producer, 5));
            assertAppendedInOrder(send(producer, 5), 5);
            for (int i = 0; i < PARTITIONS; i++) {
                Node n = cluster.node(i);
                assertFalse(n.partitions().isEmpty(), n.id + " received nothing");
                for (int p : n.partitions()) {
                    assertEquals(i, p, n.id + " received a batch of partition " + p + ", which it does not lead");
                }
                assertEquals(1, n.server.connectionsAccepted(), n.id + ": one connection");
                assertEquals(List.of("app"), n.logins(), n.id + ": logged in as the given client does");
            }
            assertEquals(1, cluster.node(0).server.metadataRequests.size(),
                    "the metadata asked once, through the given client");
            assertEquals(0, cluster.node(1).server.metadataRequests.size());
            // idempotent sequences count per partition, whichever connection carries them
            assertEquals(5, cluster.node(1).batches().get(1).groups().getFirst().firstSequence());
        }
    }

    @Test
    void aSlowLeaderHoldsUpOnlyItsOwnPartitions() throws Exception {
        cluster = new Cluster();
        CountDownLatch slow = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Cluster c = cluster;
        cluster.node(1).intercept = req -> {
            slow.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return c.append(req);
        };
        try (FlyMqClient client = FlyMqClient.connect(cluster.node(0).server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick().withMaxInFlight(1))) {
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 3 * PARTITIONS; i++) {
                sent.add(producer.send(ProducerRecord.of(TOPIC, new byte[1]).withPartition(i % PARTITIONS)));
            }
            Thread flusher = Thread.ofPlatform().start(producer::flush);
            assertTrue(slow.await(10, TimeUnit.SECONDS));
            // one request in flight per connection: n2's unanswered one does not stop n1's and n3's
            for (int i = 0; i < sent.size(); i++) {
                if (i % PARTITIONS != 1) {
                    sent.get(i).get(10, TimeUnit.SECONDS);
                }
            }
            assertFalse(sent.get(1).isDone(), "partition 1's record was answered while its leader held it");
            release.countDown();
            flusher.join(10_000);
            assertAppendedInOrder(sent);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aSingleBrokerGetsEverythingOnTheGivenConnection() throws Exception {
        cluster = new Cluster();
        cluster.clusterId = FlyMqProducer.STANDALONE;
        // whatever address a single broker reports for itself (its advertised address need not be how this client
        // reaches it), it leads every partition and the given client talks to it
        for (int p = 0; p < PARTITIONS; p++) {
            cluster.leaderIds[p] = "flymq-1";
            cluster.leaderAddrs[p] = cluster.node(1).server.address();
        }
        try (FlyMqClient client = FlyMqClient.connect(cluster.node(0).server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick())) {
            assertAppendedInOrder(send(producer, 4));
            assertEquals(List.of(0, 1, 2), cluster.node(0).partitions().stream().sorted().toList());
            assertEquals(1, cluster.node(0).server.connectionsAccepted());
            assertEquals(0, cluster.node(1).server.connectionsAccepted(), "no connection to the address it reports");
        }
    }

    @Test
    void partitionsWithoutAUsableLeaderAddressGoThroughTheGivenClient() throws Exception {
        cluster = new Cluster();
        cluster.leaderIds[0] = "";              // an election in progress
        cluster.leaderAddrs[0] = "";
        cluster.leaderAddrs[1] = ":9092";       // upstream's literal address
        cluster.leaderIds[2] = "n3";
        cluster.leaderAddrs[2] = "";            // a leader whose address is not registered yet
        try (FlyMqClient client = FlyMqClient.connect(cluster.node(0).server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick())) {
            assertAppendedInOrder(send(producer, 4));
            assertEquals(List.of(0, 1, 2), cluster.node(0).partitions().stream().sorted().toList());
            assertEquals(1, cluster.node(0).server.connectionsAccepted());
            assertEquals(0, cluster.node(1).server.connectionsAccepted());
            assertEquals(0, cluster.node(2).server.connectionsAccepted());
        }
    }

    @Test
    void aPartitionWithoutALeaderGoesToTheLeaderTheMetadataNamesOnceTheElectionIsOver() throws Exception {
        cluster = new Cluster();
        cluster.leaderIds[1] = "";
        cluster.leaderAddrs[1] = "";
        try (FlyMqClient client = FlyMqClient.connect(cluster.node(0).server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick())) {
            assertAppendedInOrder(send(producer, 1));
            assertEquals(List.of(0, 1), cluster.node(0).partitions().stream().sorted().toList());
            synchronized (cluster) {
                cluster.lead(1, 1);
            }
            // nothing fails meanwhile (the given client's node would forward): the producer asks again on its own
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!cluster.node(1).partitions().contains(1) && System.nanoTime() - deadline < 0) {
                CompletableFuture<RecordMetadata> f = producer.send(ProducerRecord.of(TOPIC, new byte[1])
                        .withPartition(1));
                producer.flush();
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(List.of(1), cluster.node(1).partitions().stream().distinct().toList());
            assertTrue(cluster.node(0).server.metadataRequests.size() >= 2);
        }
    }

    @Test
    void aLostLeaderConnectionIsDroppedAndTheRetryGoesWhereTheMetadataSaysThen() throws Exception {
        cluster = new Cluster();
        Cluster c = cluster;
        cluster.node(1).intercept = req -> {
            synchronized (c) {
                c.lead(1, 2); // partition 1 moves to n3 as n2 goes away
            }
            return null;      // closes the connection: the answer is lost
        };
        try (FlyMqClient client = FlyMqClient.connect(cluster.node(0).server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick())) {
            List<CompletableFuture<RecordMetadata>> sent = send(producer, 4);
            assertAppendedInOrder(sent);
            assertEquals(1, cluster.node(1).batches().size(), "n2 got the first try only");
            List<BatchProduceRequest> atN3 = cluster.node(2).batches();
            BatchProduceRequest retry = atN3.stream().filter(b -> b.groups().getFirst().partition() == 1)
                    .findFirst().orElseThrow();
            assertEquals(cluster.node(1).batches().getFirst().groups().getFirst().firstSequence(),
                    retry.groups().getFirst().firstSequence(), "the retry keeps its sequence");
            assertTrue(cluster.node(0).server.metadataRequests.size() >= 2, "the metadata was asked again");
            assertEquals(1, producer.retriedBatches());
        }
    }

    @Test
    void aLeaderThatCannotBeReachedLeavesItsPartitionsOnTheGivenClient() throws Exception {
        cluster = new Cluster();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        cluster.leaderAddrs[1] = "127.0.0.1:" + closedPort;
        try (FlyMqClient client = FlyMqClient.connect(cluster.node(0).server.address());
             FlyMqProducer producer = new FlyMqProducer(client, quick())) {
            assertAppendedInOrder(send(producer, 4));
            assertTrue(cluster.node(0).partitions().contains(1), "partition 1 went through the given client");
            assertEquals(List.of(2), cluster.node(2).partitions());
            assertEquals(0, producer.retriedBatches(), "a failed connect costs no retry");
        }
    }

    @Test
    void closeClosesTheLeaderConnectionsItOpenedButNotTheGivenClient() throws Exception {
        cluster = new Cluster();
        try (FlyMqClient client = FlyMqClient.connect(cluster.node(0).server.address())) {
            FlyMqProducer producer = new FlyMqProducer(client, quick());
            assertAppendedInOrder(send(producer, 2));
            producer.close();
            assertTrue(cluster.node(1).server.awaitEnded(1), "n2's connection is closed");
            assertTrue(cluster.node(2).server.awaitEnded(1), "n3's connection is closed");
            assertEquals(0, cluster.node(0).server.endedSoFar(), "the given client's connection is open");
            assertEquals(PARTITIONS, client.clusterMetadata(TOPIC).topic(TOPIC).orElseThrow().partitions().size());
            assertEquals(1, cluster.node(0).server.connectionsAccepted());
        }
    }
}
