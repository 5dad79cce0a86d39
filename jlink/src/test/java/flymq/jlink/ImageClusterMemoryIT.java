package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.PartitionAppend;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes of the shipped broker ({@code bin/flymq server start}, the image's default 256 MiB heap) under
 * unthrottled acks=all produce to a 3-partition topic with replication 3, all through one node: it leads one
 * partition and forwards the others, so every cluster buffer is busy (Raft logs, AppendEntries, the transport,
 * forwarding). Before the cluster memory bounds (docs/cluster.md, "Memory bounds") every node ran out of heap within
 * seconds and was left broken. Afterwards: no node printed {@code OutOfMemoryError} or exited, every acknowledged
 * record is at its acknowledged offset, and all nodes name the same leader for each partition.
 * {@code -Dflymq.clustermem.seconds=N} runs the load longer (default 20).
 *
 * <p>The second test gives one node a heap too small for what its budgets allow: it must exit with status 3
 * (out of memory, {@code -XX:+ExitOnOutOfMemoryError}) instead of living on half-alive, the other two keep
 * acknowledging, and once it is restarted with the default heap all three agree on one leader per partition and
 * hold every acknowledged record.
 */
class ImageClusterMemoryIT {
    private static final String TOPIC = "memory";
    private static final int PARTITIONS = 3;
    private static final int SECONDS = Integer.getInteger("flymq.clustermem.seconds", 20);
    private static final int PRODUCERS = 4;
    private static final int RECORDS_PER_PARTITION = 100;
    private static final int VALUE_BYTES = 1000;

    @TempDir
    Path data;

    private final Map<String, Integer> clientPorts = new LinkedHashMap<>();
    private final Map<String, Integer> clusterPorts = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();

    private String addr(String id) {
        return "127.0.0.1:" + clientPorts.get(id);
    }

    private Path output(String id) {
        return data.resolve(id + ".out");
    }

    private void start(String id) throws IOException {
        start(id, Map.of(), List.of());
    }

    private void start(String id, Map<String, String> env, List<String> moreArgs) throws IOException {
        String peers = String.join(",", clusterPorts.entrySet().stream()
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()).toList());
        List<String> args = new ArrayList<>(List.of("--node-id", id,
                "--bind-addr", addr(id), "--cluster-addr", "127.0.0.1:" + clusterPorts.get(id), "--peers", peers,
                "--data-dir", data.resolve(id).toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0"));
        args.addAll(moreArgs);
        processes.put(id, ImageProcess.startServer("node " + id, flushing(output(id)), env,
                args.toArray(String[]::new)).process());
    }

    /** A file that holds what was written so far at any moment, so a test can read a live server's output. */
    private static Writer flushing(Path file) throws IOException {
        Writer to = Files.newBufferedWriter(file);
        return new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                to.write(buf, off, len);
                to.flush();
            }

            @Override
            public void flush() throws IOException {
                to.flush();
            }

            @Override
            public void close() throws IOException {
                to.close();
            }
        };
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : processes.values()) {
            p.destroy();
        }
        for (Process p : processes.values()) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        processes.clear();
    }

    /** One acknowledged group: {@code count} records of producer {@code producer} from {@code firstSeq} on. */
    private record Ack(int partition, long base, int count, int producer, long firstSeq) {
    }

    private static byte[] value(int producer, long seq) {
        byte[] v = new byte[VALUE_BYTES];
        Arrays.fill(v, (byte) 'x');
        byte[] tag = tag(producer, seq).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tag, 0, v, 0, tag.length);
        return v;
    }

    private static String tag(int producer, long seq) {
        return "p" + producer + "-" + seq + "|";
    }

    /** Sends BATCH_PRODUCE requests (one group per partition) back to back through one node, acks=all. */
    private final class Producer implements Runnable {
        final int id;
        final Queue<Ack> acked;
        final AtomicBoolean stop;
        final AtomicLong refused;
        final AtomicReference<Throwable> crashed = new AtomicReference<>();

        Producer(int id, Queue<Ack> acked, AtomicBoolean stop, AtomicLong refused) {
            this.id = id;
            this.acked = acked;
            this.stop = stop;
            this.refused = refused;
        }

        @Override
        public void run() {
            long seq = 0;
            FlyMqClient client = null;
            try {
                while (!stop.get()) {
                    List<PartitionRecords> groups = new ArrayList<>();
                    long[] firstSeq = new long[PARTITIONS];
                    for (int p = 0; p < PARTITIONS; p++) {
                        firstSeq[p] = seq;
                        List<ProducerRecord> records = new ArrayList<>(RECORDS_PER_PARTITION);
                        for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                            records.add(ProducerRecord.of(TOPIC, value(id, seq++)));
                        }
                        groups.add(new PartitionRecords(p, records));
                    }
                    try {
                        if (client == null) {
                            client = FlyMqClient.builder().bootstrap(addr("n1")).connectTimeout(Duration.ofSeconds(2))
                                    .requestTimeout(Duration.ofSeconds(30)).build();
                        }
                        List<PartitionAppend> answers = client.batchProduce(TOPIC, Acks.ALL, groups);
                        for (int g = 0; g < answers.size(); g++) {
                            PartitionAppend a = answers.get(g);
                            if (a.ok()) {
                                acked.add(new Ack(a.partition(), a.baseOffset(), a.recordCount(), id, firstSeq[g]));
                            } else {
                                refused.incrementAndGet(); // cluster busy, not leader during an election: not acked
                            }
                        }
                    } catch (RuntimeException e) {
                        refused.addAndGet(PARTITIONS); // timed out or lost: not acknowledged, so not checked
                        if (client != null) {
                            client.close();
                            client = null;
                        }
                    }
                }
            } catch (Throwable t) {
                crashed.set(t);
            } finally {
                if (client != null) {
                    client.close();
                }
            }
        }
    }

    /** The leader of each partition when every node names the same one, else null. */
    private List<String> agreedLeaders() {
        List<String> agreed = null;
        for (String id : processes.keySet()) {
            List<String> seen = new ArrayList<>();
            try (FlyMqClient c = FlyMqClient.builder().bootstrap(addr(id)).connectTimeout(Duration.ofMillis(500))
                    .requestTimeout(Duration.ofSeconds(2)).build()) {
                c.clusterMetadata(TOPIC).topics().get(0).partitions().forEach(p -> seen.add(p.leaderId()));
            } catch (RuntimeException e) {
                return null;
            }
            if (seen.size() != PARTITIONS || seen.contains("") || (agreed != null && !agreed.equals(seen))) {
                return null;
            }
            agreed = seen;
        }
        return agreed;
    }

    /** Reads partition {@code p} through {@code via} and checks every acknowledged record at its offset. */
    private void assertAcknowledgedPresent(int p, List<Ack> acks, String via) {
        TreeMap<Long, Ack> byBase = new TreeMap<>();
        long expected = 0;
        for (Ack a : acks) {
            if (a.partition() == p) {
                byBase.put(a.base(), a);
                expected += a.count();
            }
        }
        long found = 0;
        List<String> wrong = new ArrayList<>();
        try (FlyMqClient c = FlyMqClient.builder().bootstrap(addr(via)).requestTimeout(Duration.ofSeconds(30))
                .build()) {
            long next = 0;
            while (true) {
                List<Message> batch = c.fetch(TOPIC, p, next, 1000).records();
                if (batch.isEmpty()) {
                    break;
                }
                for (Message m : batch) {
                    Map.Entry<Long, Ack> e = byBase.floorEntry(m.offset());
                    if (e != null && m.offset() < e.getKey() + e.getValue().count()) {
                        Ack a = e.getValue();
                        String want = tag(a.producer(), a.firstSeq() + (m.offset() - a.base()));
                        if (new String(m.value(), 0, want.length(), StandardCharsets.UTF_8).equals(want)) {
                            found++;
                        } else if (wrong.size() < 5) {
                            wrong.add("offset " + m.offset() + ": expected " + want);
                        }
                    }
                }
                next = batch.get(batch.size() - 1).offset() + 1;
            }
        }
        assertTrue(wrong.isEmpty(), "partition " + p + " holds other records at acknowledged offsets: " + wrong);
        assertEquals(expected, found, "acknowledged records of partition " + p + " found through " + via);
    }

    private void pickPorts() throws IOException {
        for (String id : List.of("n1", "n2", "n3")) {
            clientPorts.put(id, ImageProcess.freePort());
            clusterPorts.put(id, ImageProcess.freePort());
        }
    }

    private void createTopic() throws InterruptedException {
        try (FlyMqClient admin = FlyMqClient.builder().bootstrap(addr("n1")).requestTimeout(Duration.ofSeconds(30))
                .build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) { // the metadata group elects its first leader while the nodes come up
                try {
                    admin.createTopic(TOPIC, PARTITIONS);
                    break;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }
        awaitAgreedLeaders(Duration.ofSeconds(30));
    }

    /** Runs the producers through n1 for up to {@code seconds}, or until {@code done} holds; returns the acks. */
    private List<Ack> produce(int seconds, java.util.function.BooleanSupplier done) throws InterruptedException {
        Queue<Ack> acked = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong refused = new AtomicLong();
        List<Producer> producers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            Producer producer = new Producer(i, acked, stop, refused);
            producers.add(producer);
            threads.add(Thread.ofPlatform().name("producer-" + i).start(producer));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline && !done.getAsBoolean()) {
            Thread.sleep(100);
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
            assertFalse(t.isAlive(), t.getName() + " still running 60 s after the load stopped");
        }
        for (Producer p : producers) {
            assertEquals(null, p.crashed.get(), "producer " + p.id + " crashed");
        }
        long records = acked.stream().mapToLong(Ack::count).sum();
        System.out.printf("cluster memory: %d records (%d MB) acknowledged through n1, %d groups not"
                + " acknowledged%n", records, records * VALUE_BYTES / 1_000_000, refused.get());
        assertTrue(records > 0, "nothing was acknowledged");
        return List.copyOf(acked);
    }

    private void assertAllAcknowledgedPresent(List<Ack> acks) throws InterruptedException {
        List<String> leaders = awaitAgreedLeaders(Duration.ofSeconds(30));
        for (int p = 0; p < PARTITIONS; p++) {
            assertAcknowledgedPresent(p, acks, leaders.get(p));
        }
    }

    @Test
    void unthrottledAcksAllProduceThroughOneNodeStaysWithinTheDefaultHeap() throws Exception {
        pickPorts();
        for (String id : clientPorts.keySet()) {
            start(id);
        }
        createTopic();
        List<Ack> acks = produce(SECONDS, () -> false);
        processes.forEach((id, p) -> assertTrue(p.isAlive(), id + " exited with " + (p.isAlive() ? "" : p.exitValue())
                + " under load:\n" + tail(id)));
        assertAllAcknowledgedPresent(acks);
        for (String id : processes.keySet()) {
            String out = Files.readString(output(id));
            assertFalse(out.contains("OutOfMemoryError"), id + " ran out of memory:\n" + tail(id));
        }
    }

    @Test
    void aNodeThatRunsOutOfMemoryExitsAndTheClusterConvergesAfterItsRestart() throws Exception {
        pickPorts();
        start("n1");
        start("n2");
        // a 48 MiB heap against a 256 MiB log budget: as a follower n3 holds every entry it is sent until it fails
        start("n3", Map.of("FLYMQ_JAVA_OPTS", "-Xmx48m"), List.of("--set", "cluster.raft_log_bytes=268435456"));
        createTopic();
        Process n3 = processes.get("n3");
        List<Ack> acks = new ArrayList<>(produce(60, () -> !n3.isAlive()));
        assertTrue(n3.waitFor(30, TimeUnit.SECONDS), "n3 still running with a heap too small for its logs:\n"
                + tail("n3"));
        assertEquals(3, n3.exitValue(), "n3's exit status:\n" + tail("n3"));
        assertTrue(Files.readString(output("n3")).contains("OutOfMemoryError"), tail("n3"));
        processes.remove("n3");
        // n1 and n2 are a majority of every group: they go on acknowledging without n3
        acks.addAll(produce(3, () -> false));
        start("n3");
        assertAllAcknowledgedPresent(acks);
    }

    private List<String> awaitAgreedLeaders(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> leaders;
        while ((leaders = agreedLeaders()) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the nodes did not agree on one leader per partition of " + TOPIC
                        + " within " + timeout);
            }
            Thread.sleep(100);
        }
        return leaders;
    }

    private String tail(String id) {
        try {
            List<String> lines = Files.readAllLines(output(id));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
