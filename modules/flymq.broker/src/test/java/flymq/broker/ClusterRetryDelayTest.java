package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.NackResult;
import flymq.client.SubscribeMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retry holds in a three-node cluster (docs/dlq.md, "Retry delay"): the hold a failure takes is replicated through
 * the metadata group, so every node keeps the group off the partition until the not-before time, also after the
 * metadata leader is lost and on that node once it is back. The nodes share a {@link TestClock}: while it stands still
 * no hold can end, so an empty answer from a node that serves another group the records is the hold's doing.
 */
class ClusterRetryDelayTest {
    private static final long DELAY = 60_000;

    @TempDir
    Path dir;

    private ClusterHarness cluster;
    private final TestClock clock = new TestClock(System.currentTimeMillis());

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code call} on node {@code i}, tried again while the cluster elects leaders; its last answer. */
    private <T> T eventually(String what, int i, Function<FlyMqClient, T> call) throws InterruptedException {
        AtomicReference<T> answer = new AtomicReference<>();
        ClusterHarness.await(what, 20_000, () -> {
            try (FlyMqClient c = cluster.client(i)) {
                answer.set(call.apply(c));
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
        return answer.get();
    }

    /** What {@code group} reads of orders-0 from offset 0 through node {@code i} (a connection that joined it). */
    private List<String> read(FlyMqClient c, String group) {
        c.subscribe("orders", group, 0, SubscribeMode.EARLIEST);
        return c.fetch("orders", 0, 0, 10).records().stream().map(Message::valueAsString).toList();
    }

    /**
     * Waits until node {@code i} serves group audit both records and answers group billing {@code billing}: the
     * first shows the node can read the partition, so the second is the hold's answer (or its absence).
     */
    private void awaitReads(int i, List<String> billing) throws InterruptedException {
        ClusterHarness.await("node " + i + " to read " + billing + " for billing", 20_000, () -> {
            try (FlyMqClient audit = cluster.client(i); FlyMqClient member = cluster.client(i)) {
                return read(audit, "audit").equals(List.of("a", "b")) && read(member, "billing").equals(billing);
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    @Test
    void aRetryHoldSurvivesTheLossOfTheMetadataLeaderAndHoldsOnEveryNode() throws Exception {
        cluster = new ClusterHarness(dir, 23, b -> { }).withFlags(Map.of("dlq.enabled", "true",
                "dlq.max_retries", "3", "dlq.retry_delay", Long.toString(DELAY))).withClock(clock).startAll();
        cluster.awaitRegistered();
        eventually("orders created", 0, c -> {
            c.createTopic("orders", 1);
            return true;
        });
        for (String v : List.of("a", "b")) {
            eventually("produce " + v, 0, c -> c.produce("orders", utf8(v)));
        }
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            awaitReads(i, List.of("a", "b"));
        }

        NackResult first = eventually("first failure of a", 1, c -> c.nack("billing", "orders", 0, 0, "e1"));
        assertFalse(first.deadLettered());
        assertEquals(clock.millis() + DELAY, first.retryAtMs());
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            awaitReads(i, List.of());
        }

        int lost = cluster.metadataLeader();
        cluster.stop(lost);
        int survivor = (lost + 1) % ClusterHarness.SIZE;
        ClusterHarness.await("a new metadata leader", 20_000, () -> {
            try {
                return cluster.metadataLeader() != lost;
            } catch (Throwable e) {
                return false;
            }
        });
        awaitReads(survivor, List.of());
        awaitReads((lost + 2) % ClusterHarness.SIZE, List.of());

        // the count kept in the queue topic goes on, and the new hold reaches the new metadata leader
        NackResult second = eventually("second failure of a", survivor,
                c -> c.nack("billing", "orders", 0, 0, "e2"));
        assertEquals(2, second.failures());
        assertEquals(clock.millis() + DELAY, second.retryAtMs());

        cluster.start(lost);
        cluster.awaitRegistered();
        awaitReads(lost, List.of()); // rebuilt from its Raft log and snapshot

        clock.advance(Duration.ofMillis(DELAY));
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            awaitReads(i, List.of("a", "b"));
        }
    }
}
