package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.NotLeaderException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes of the shipped broker ({@code bin/flymq server start}, a process each, own data dir and ports) form a
 * cluster from their flags. A producer sends with {@code acks=all} while the partition's leader is killed with
 * SIGKILL and restarted, several times: afterwards every acknowledged record is at its acknowledged offset. The
 * time from each kill until a surviving node names a new leader is printed (docs/benchmarks.md, "Cluster"). Then
 * the whole cluster is stopped and started again: topics, records and committed offsets are still there, and the
 * delayed records scheduled before the kills, due while they happened, are each in the log exactly once.
 */
class ImageClusterFailoverIT {
    /** Kills per run; -Dflymq.failover.kills=N for a longer measurement (docs/benchmarks.md). */
    private static final int KILLS = Integer.getInteger("flymq.failover.kills", 3);
    private static final String TOPIC = "failover";
    private static final int DELAYED = 20;

    @TempDir
    Path data;

    private final Map<String, Integer> clientPorts = new LinkedHashMap<>();
    private final Map<String, Integer> clusterPorts = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();

    private String addr(String id) {
        return "127.0.0.1:" + clientPorts.get(id);
    }

    /** Starts node {@code id} as a user would and returns once it printed its ready line. */
    private void start(String id) throws IOException {
        String peers = String.join(",", clusterPorts.entrySet().stream()
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()).toList());
        processes.put(id, ImageProcess.startServer("node " + id, "--node-id", id, "--bind-addr", addr(id),
                "--cluster-addr", "127.0.0.1:" + clusterPorts.get(id), "--peers", peers,
                "--data-dir", data.resolve(id).toString(), "--acks", "all",
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0").process());
    }

    private void kill(String id) throws InterruptedException {
        Process p = processes.remove(id);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), id + " exits after SIGKILL");
        assertEquals(137, p.exitValue(), id + " killed by SIGKILL");
    }

    private void stopAll() throws InterruptedException {
        for (Process p : processes.values()) {
            p.destroy(); // SIGTERM: a graceful stop
        }
        for (Process p : processes.values()) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        processes.clear();
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** The partition's leader as node {@code via} reports it ("" while none is known or the node is down). */
    private String leaderSeenBy(String via) {
        try (FlyMqClient c = FlyMqClient.builder().bootstrap(addr(via)).connectTimeout(Duration.ofMillis(500))
                .requestTimeout(Duration.ofSeconds(2)).build()) {
            return c.clusterMetadata(TOPIC).topics().get(0).partitions().get(0).leaderId();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Sends one record after another, switching nodes when one fails; remembers what was acknowledged where. */
    private final class Producer implements Runnable {
        final ConcurrentSkipListMap<Long, String> acked = new ConcurrentSkipListMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicReference<Throwable> crashed = new AtomicReference<>();
        volatile long lastAckNanos = System.nanoTime();
        private final List<String> ids = List.copyOf(clientPorts.keySet());

        @Override
        public void run() {
            int next = 0;
            int node = 0;
            FlyMqClient client = null;
            try {
                while (!stop.get()) {
                    String value = "r-" + next;
                    try {
                        if (client == null) {
                            client = FlyMqClient.builder().bootstrap(addr(ids.get(node % ids.size())))
                                    .connectTimeout(Duration.ofMillis(500)).requestTimeout(Duration.ofSeconds(5))
                                    .build();
                        }
                        long offset = client.produce(TOPIC, 0, null, value.getBytes(StandardCharsets.UTF_8))
                                .offset();
                        String before = acked.putIfAbsent(offset, value);
                        if (before != null) {
                            throw new AssertionError("offset " + offset + " acknowledged twice: " + before
                                    + " and " + value);
                        }
                        lastAckNanos = System.nanoTime();
                        next++;
                    } catch (RuntimeException e) {
                        // not leader, connection lost, commit timed out: the record may or may not be in the
                        // log; it is not acknowledged, so only acknowledged ones are checked. Try the next node.
                        failures.incrementAndGet();
                        if (client != null) {
                            client.close();
                            client = null;
                        }
                        node++;
                        Thread.sleep(10);
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

    private Map<Long, String> readAll(String via) {
        Map<Long, String> all = new TreeMap<>();
        try (FlyMqClient c = FlyMqClient.connect(addr(via))) {
            long next = 0;
            while (true) {
                List<Message> batch = c.fetch(TOPIC, 0, next, 1000).records();
                if (batch.isEmpty()) {
                    return all;
                }
                for (Message m : batch) {
                    all.put(m.offset(), new String(m.value(), StandardCharsets.UTF_8));
                }
                next = batch.get(batch.size() - 1).offset() + 1;
            }
        }
    }

    private void assertAcknowledgedPresent(Map<Long, String> acked, String via) {
        Map<Long, String> stored = readAll(via);
        List<String> missing = new ArrayList<>();
        acked.forEach((offset, value) -> {
            if (!value.equals(stored.get(offset))) {
                missing.add(offset + "=" + value + " (found " + stored.get(offset) + ")");
            }
        });
        assertTrue(missing.isEmpty(), missing.size() + " of " + acked.size() + " acknowledged records missing on "
                + via + ", first: " + missing.subList(0, Math.min(5, missing.size())));
    }

    @Test
    void acknowledgedRecordsSurviveRepeatedKillNineOfTheLeaderAndAWholeClusterRestart() throws Exception {
        for (String id : List.of("n1", "n2", "n3")) {
            clientPorts.put(id, ImageProcess.freePort());
            clusterPorts.put(id, ImageProcess.freePort());
        }
        try {
            for (String id : clientPorts.keySet()) {
                start(id);
            }
            await("topic created", Duration.ofSeconds(30), () -> {
                try (FlyMqClient c = FlyMqClient.connect(addr("n1"))) {
                    c.createTopic(TOPIC, 1);
                    return true;
                } catch (RuntimeException e) {
                    return false; // no metadata leader yet
                }
            });
            await("a partition leader", Duration.ofSeconds(30), () -> !leaderSeenBy("n1").isEmpty());
            // delayed records due while the leaders are killed below: each must be appended exactly once
            // (docs/delayed-and-ttl.md, "In a cluster")
            try (FlyMqClient c = FlyMqClient.connect(addr("n2"))) {
                for (int i = 0; i < DELAYED; i++) {
                    c.produceDelayed(TOPIC, 0, null, ("delayed-" + i).getBytes(StandardCharsets.UTF_8),
                            Duration.ofMillis(300L * i));
                }
            }

            Producer producer = new Producer();
            Thread producing = new Thread(producer, "producer");
            producing.start();
            List<Long> failoverMillis = new ArrayList<>();
            List<Long> produceGapMillis = new ArrayList<>();
            for (int kill = 1; kill <= KILLS; kill++) {
                int ackedBefore = producer.acked.size();
                await("records acknowledged before kill " + kill, Duration.ofSeconds(30),
                        () -> producer.acked.size() >= ackedBefore + 200 || producer.crashed.get() != null);
                String[] leader = {""};
                await("a leader every node agrees on", Duration.ofSeconds(30), () -> {
                    leader[0] = leaderSeenBy("n1");
                    return !leader[0].isEmpty() && processes.containsKey(leader[0])
                            && clientPorts.keySet().stream().allMatch(id -> leader[0].equals(leaderSeenBy(id)));
                });
                String survivor = clientPorts.keySet().stream().filter(id -> !id.equals(leader[0])).findFirst()
                        .orElseThrow();
                long killedAt = System.nanoTime();
                kill(leader[0]);
                await("a new leader after killing " + leader[0], Duration.ofSeconds(30), () -> {
                    String l = leaderSeenBy(survivor);
                    return !l.isEmpty() && !l.equals(leader[0]);
                });
                long elected = System.nanoTime();
                await("an acknowledged produce after kill " + kill, Duration.ofSeconds(30),
                        () -> producer.lastAckNanos > elected);
                failoverMillis.add(TimeUnit.NANOSECONDS.toMillis(elected - killedAt));
                produceGapMillis.add(TimeUnit.NANOSECONDS.toMillis(producer.lastAckNanos - killedAt));
                start(leader[0]); // same data dir: it catches up from the new leader
            }
            int ackedBefore = producer.acked.size();
            await("records acknowledged after the last restart", Duration.ofSeconds(30),
                    () -> producer.acked.size() >= ackedBefore + 100 || producer.crashed.get() != null);
            producer.stop.set(true);
            producing.join(30_000);
            if (producer.crashed.get() != null) {
                throw new AssertionError("producer failed", producer.crashed.get());
            }
            System.out.println("cluster failover: kill -9 of the partition leader -> new leader seen by a "
                    + "survivor after " + failoverMillis + " ms; first acknowledged produce after the kill "
                    + produceGapMillis + " ms; " + producer.acked.size() + " records acknowledged (acks=all), "
                    + producer.failures.get() + " attempts refused or lost during failovers");

            for (String via : clientPorts.keySet()) {
                String node = via;
                // a node restarted a moment ago refuses reads ("not leader") until it has replayed the metadata
                // and its partition's copy is whole, rather than answer from a part of it: asked again until then
                await(node + " holding every acknowledged record", Duration.ofSeconds(30), () -> {
                    try {
                        return readAll(node).size() >= producer.acked.size();
                    } catch (NotLeaderException e) {
                        return false;
                    }
                });
                assertAcknowledgedPresent(producer.acked, node);
            }
            try (FlyMqClient c = FlyMqClient.connect(addr("n1"))) {
                c.commit(TOPIC, "checker", 0, 42);
            }

            stopAll();
            for (String id : clientPorts.keySet()) {
                start(id);
            }
            await("the topic after the whole-cluster restart", Duration.ofSeconds(30), () -> {
                try (FlyMqClient c = FlyMqClient.connect(addr("n2"))) {
                    return c.listTopics().contains(TOPIC) && c.getOffset(TOPIC, "checker", 0) == 42;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            // a restarted replica answers read-committed fetches only once its partition group has replayed the
            // log it had at start (docs/transactions.md, "In a cluster"): until then FETCH is empty, not wrong
            for (String via : clientPorts.keySet()) {
                String node = via;
                await(node + " serving every acknowledged record after the restart", Duration.ofSeconds(30), () -> {
                    try {
                        return readAll(node).size() >= producer.acked.size();
                    } catch (RuntimeException e) {
                        return false; // still electing: the next poll asks again
                    }
                });
                assertAcknowledgedPresent(producer.acked, via);
            }
            Map<String, Long> delayed = new TreeMap<>();
            await("every delayed record released", Duration.ofSeconds(30), () -> {
                delayed.clear();
                try {
                    for (String value : readAll("n3").values()) {
                        if (value.startsWith("delayed-")) {
                            delayed.merge(value, 1L, Long::sum);
                        }
                    }
                } catch (RuntimeException e) {
                    return false; // still electing: the next poll asks again
                }
                return delayed.size() == DELAYED;
            });
            assertTrue(delayed.values().stream().allMatch(n -> n == 1), "each delayed record once: " + delayed);
        } finally {
            for (Process p : processes.values()) {
                p.destroyForcibly();
            }
        }
    }
}
