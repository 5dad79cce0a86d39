package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.ConsumerConfig;
import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqConsumer;
import flymq.client.FlyMqException;
import flymq.client.FlyMqProducer;
import flymq.client.Message;
import flymq.client.ProducerConfig;
import flymq.client.ProducerRecord;
import flymq.client.RecordMetadata;
import flymq.protocol.Acks;
import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition leader stopped under a producing and a consuming client: with retries and idempotence a failover
 * costs latency, not errors. The history check: every record was acknowledged (none failed), each is stored exactly
 * once at the offset its acknowledgement named, on every partition, and the consumer, connected to the stopped node,
 * read every record once in offset order.
 */
class ClusterFailoverProduceTest {
    private static final String TOPIC = "failover";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 6_000;
    /** The stream stops here even if the leader took longer to stop (a multiple of the partition count). */
    private static final int MAX_RECORDS = 60_000;
    /** Records sent in the run: at least RECORDS, more when the stop took long. */
    private volatile int total;

    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String bootstrapFrom(int first) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < ClusterHarness.SIZE; k++) {
            int i = (first + k) % ClusterHarness.SIZE;
            s.append(k == 0 ? "" : ",").append("127.0.0.1:").append(cluster.port(i));
        }
        return s.toString();
    }

    @Test
    void everyRecordIsAcknowledgedAndStoredOnceWhenThePartitionLeaderStops() throws Exception {
        cluster = new ClusterHarness(dir, 19, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic(TOPIC, PARTITIONS, 3);
        }
        int victim = cluster.partitionLeader(TOPIC, 0);
        for (int p = 1; p < PARTITIONS; p++) {
            cluster.partitionLeader(TOPIC, p);
        }
        // both clients start on the node that will stop: the producer loses its connection with requests in
        // flight, and the consumer its fetch connection
        String bootstrap = bootstrapFrom(victim);
        ProducerConfig config = ProducerConfig.defaults().withAcks(Acks.ALL).withLinger(Duration.ofMillis(2))
                .withBatchSize(4096).withRetryBackoff(Duration.ofMillis(20))
                .withDeliveryTimeout(Duration.ofSeconds(60));

        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<List<Message>> consumed = new AtomicReference<>();
        Thread consumer = Thread.ofPlatform().name("failover-consumer").start(() -> consumed.set(consume(bootstrap)));
        long retried;
        try (FlyMqClient client = FlyMqClient.builder().bootstrap(bootstrap).requestTimeout(Duration.ofSeconds(10))
                .build();
             FlyMqProducer producer = new FlyMqProducer(client, config)) {
            // a steady stream that goes on until the leader has stopped (however long that takes on a loaded
            // machine) and a while after: records are in flight while it goes and sent while it is gone
            long stoppedAt = -1;
            for (int i = 0; i < RECORDS || stoppedAt < 0 || i < stoppedAt + RECORDS / 3; i++) {
                sent.add(producer.send(ProducerRecord.of(TOPIC, value(i)).withPartition(i % PARTITIONS)));
                if (i == RECORDS / 3) {
                    halfway.countDown();
                    Thread.ofPlatform().start(() -> {
                        cluster.stop(victim);
                        stopped.countDown();
                    });
                }
                if (stoppedAt < 0 && i > RECORDS / 3 && stopped.getCount() == 0) {
                    stoppedAt = i;
                }
                if (i % 20 == 0) {
                    Thread.sleep(2); // about 10,000 records/s
                }
                if (i >= MAX_RECORDS) {
                    break;
                }
            }
            assertTrue(stopped.await(30, TimeUnit.SECONDS), "the leader did not stop");
            total = sent.size();
            producer.flush();
            retried = producer.retriedBatches();
        }

        Map<String, RecordMetadata> acked = new HashMap<>();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            try {
                acked.put(new String(value(i), StandardCharsets.UTF_8), sent.get(i).get(60, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                failed.add(i + ": " + e.getCause());
            }
        }
        System.out.println("failover: " + acked.size() + " acknowledged, " + failed.size() + " failed, " + retried
                + " batches retried");
        assertEquals(List.of(), failed.subList(0, Math.min(5, failed.size())), failed.size() + " records failed");
        assertTrue(retried > 0, "the stop cost no retry: the test did not exercise the failover");

        int survivor = (victim + 1) % ClusterHarness.SIZE;
        for (int p = 0; p < PARTITIONS; p++) {
            List<Message> stored = cluster.readPartition(() -> survivor, TOPIC, p, countOf(p));
            Map<String, Integer> seen = new HashMap<>();
            for (int k = 0; k < stored.size(); k++) {
                Message m = stored.get(k);
                assertEquals(k, m.offset(), "offsets of partition " + p + " are contiguous");
                String v = m.valueAsString();
                assertFalse(seen.containsKey(v), v + " stored twice in partition " + p + ", at offsets "
                        + seen.get(v) + " and " + k);
                seen.put(v, k);
                RecordMetadata md = acked.get(v);
                assertTrue(md != null, "record " + v + " at " + p + "/" + k + " was never produced");
                assertEquals(p, md.partition());
                assertEquals(k, md.offset(), "record " + v + " is where its acknowledgement said");
            }
            assertEquals(countOf(p), stored.size(), "records of partition " + p);
        }

        consumer.join(90_000);
        assertFalse(consumer.isAlive(), "the consumer did not read everything");
        List<Message> read = consumed.get();
        assertEquals(total, read.size(), "records the consumer read");
        Map<Integer, Long> next = new HashMap<>();
        for (Message m : read) {
            long expected = next.getOrDefault(m.partition(), 0L);
            assertEquals(expected, m.offset(), "the consumer resumed partition " + m.partition() + " where it was");
            next.put(m.partition(), expected + 1);
        }
    }

    private List<Message> consume(String bootstrap) {
        List<Message> out = new ArrayList<>();
        try (FlyMqClient client = FlyMqClient.builder().bootstrap(bootstrap).requestTimeout(Duration.ofSeconds(10))
                .build();
             FlyMqConsumer c = new FlyMqConsumer(client, ConsumerConfig.forGroup("").withAutoCommit(false))) {
            c.assign(TOPIC, 0, 1, 2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(80);
            while ((total == 0 || out.size() < total) && System.nanoTime() < deadline) {
                out.addAll(c.poll(Duration.ofMillis(200)));
            }
        }
        return out;
    }

    /** Records of the run sent to {@code partition} (record i goes to i mod the partition count). */
    private int countOf(int partition) {
        return total / PARTITIONS + (partition < total % PARTITIONS ? 1 : 0);
    }

    private static byte[] value(int i) {
        return ("r" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** An idempotent BATCH_PRODUCE as the producer sends it: one group of {@code values}, first sequence 0. */
    private static PayloadWriter idempotentBatch(long producerId, int partition, String... values) {
        PayloadWriter w = new PayloadWriter();
        BatchProduceRequest.Writer out = BatchProduceRequest.writer(w, TOPIC, Acks.ALL, 1).group(partition,
                values.length);
        for (String v : values) {
            out.record(0, null, v.getBytes(StandardCharsets.UTF_8), 0);
        }
        out.endIdempotent(producerId, new int[] {0});
        return w;
    }

    private static BatchProduceResponse.GroupResult send(int port, PayloadWriter request) throws Exception {
        try (WireClient w = new WireClient(port)) {
            WireClient.Frame f = w.call(ExtensionOpcodes.BATCH_PRODUCE, request);
            assertFalse(f.isError(), () -> f.errorText());
            return BatchProduceResponse.read(f.reader()).groups().get(0);
        }
    }

    @Test
    void aRetriedBatchIsRecognisedThroughAnyNodeAndByTheNextLeader() throws Exception {
        cluster = new ClusterHarness(dir, 23, b -> { }).startAll();
        cluster.awaitRegistered();
        try (FlyMqClient c = cluster.client(0)) {
            c.createTopic(TOPIC, 1, 3);
        }
        int leader = cluster.partitionLeader(TOPIC, 0);
        int follower = (leader + 1) % ClusterHarness.SIZE;
        int other = (leader + 2) % ClusterHarness.SIZE;
        BatchProduceResponse.GroupResult first = send(cluster.port(follower), idempotentBatch(42, 0, "a", "b"));
        assertEquals("", first.error());
        assertEquals(0, first.baseOffset());
        BatchProduceResponse.GroupResult again = send(cluster.port(other), idempotentBatch(42, 0, "a", "b"));
        assertEquals(0, again.baseOffset(), "routed through another node, the retry gets the first answer");

        cluster.stop(leader);
        cluster.partitionLeader(TOPIC, 0);
        BatchProduceResponse.GroupResult afterFailover = send(cluster.port(follower),
                idempotentBatch(42, 0, "a", "b"));
        assertEquals("", afterFailover.error());
        assertEquals(0, afterFailover.baseOffset(), "the new leader knows the batch from the replicated log");
        BatchProduceResponse.GroupResult otherProducer = send(cluster.port(follower),
                idempotentBatch(43, 0, "a", "b"));
        assertEquals(2, otherProducer.baseOffset(), "another producer's batch is new");
        assertEquals(4, readAll(follower, 0, 4).size());
    }

    private List<Message> readAll(int node, int partition, int expected) throws InterruptedException {
        List<Message> all = new ArrayList<>();
        ClusterHarness.await(expected + " records of partition " + partition, 20_000, () -> {
            try (FlyMqClient c = cluster.client(node)) {
                var f = c.batchFetch(TOPIC, List.of(new FetchPosition(partition, 0)), 1 << 20).get(0);
                all.clear();
                all.addAll(f.records());
                return f.ok() && all.size() == expected;
            } catch (FlyMqException e) {
                return false;
            }
        });
        return all;
    }
}
