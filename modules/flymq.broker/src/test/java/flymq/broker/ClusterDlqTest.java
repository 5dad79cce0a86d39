package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.DeadLetter;
import flymq.client.DlqResult;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.NackResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead-letter queues in a three-node cluster: the queue is an ordinary replicated topic and its opcodes run on the
 * queue partition's leader, so dead letters, the failures counted towards {@code dlq.max_retries} and replays all
 * survive the loss of that leader.
 */
class ClusterDlqTest {
    @TempDir
    Path dir;

    private ClusterHarness cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static byte[] utf8(String s) {
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

    @Test
    void deadLettersFailureCountsAndReplaysSurviveTheQueueLeadersLoss() throws Exception {
        cluster = new ClusterHarness(dir, 11, b -> { }).withFlags(Map.of("dlq.enabled", "true",
                "dlq.max_retries", "1", "dlq.retry_delay", "0")).startAll();
        cluster.awaitRegistered();
        eventually("orders created", 0, c -> {
            c.createTopic("orders", 1);
            return true;
        });
        for (String v : List.of("a", "b")) {
            eventually("produce " + v, 0, c -> c.produce("orders", utf8(v)));
        }
        NackResult first = eventually("first failure of a", 1, c -> c.nack("billing", "orders", 0, 0, "e1"));
        assertFalse(first.deadLettered());
        NackResult second = eventually("second failure of a", 2, c -> c.nack("billing", "orders", 0, 0, "e2"));
        assertTrue(second.deadLettered());
        NackResult failureOfB = eventually("first failure of b", 0, c -> c.nack("billing", "orders", 0, 1, "e3"));
        assertFalse(failureOfB.deadLettered());

        int queueLeader = cluster.partitionLeader("orders.dlq", 0);
        int other = (queueLeader + 1) % ClusterHarness.SIZE;
        for (int i = 0; i < ClusterHarness.SIZE; i++) {
            List<DeadLetter> listed = eventually("list on node " + i, i, c -> c.fetchDlq("orders", 10));
            assertEquals(List.of("a"), listed.stream().map(DeadLetter::valueAsString).toList());
        }

        cluster.stop(queueLeader);
        ClusterHarness.await("a new leader of orders.dlq", 20_000, () -> {
            try {
                int l = cluster.partitionLeader("orders.dlq", 0);
                return l != queueLeader && cluster.running(l);
            } catch (Throwable e) {
                return false;
            }
        });
        List<DeadLetter> after = eventually("list after failover", other, c -> {
            List<DeadLetter> l = c.fetchDlq("orders", 10);
            if (l.isEmpty()) {
                throw new IllegalStateException("not caught up");
            }
            return l;
        });
        assertEquals(List.of("a"), after.stream().map(DeadLetter::valueAsString).toList());
        assertEquals("e2", after.get(0).error());
        assertEquals(1, after.get(0).retries());

        // b's failure before the failover counts: its second failure dead-letters it
        NackResult secondOfB = eventually("second failure of b", other, c -> c.nack("billing", "orders", 0, 1, "e4"));
        assertTrue(secondOfB.deadLettered());

        String id = after.get(0).id();
        DlqResult replayed = eventually("replay", other, c -> c.replayDlq("orders", id));
        assertTrue(replayed.success(), replayed.message());
        DlqResult again = eventually("replay again", other, c -> c.replayDlq("orders", id));
        assertTrue(again.message().startsWith("already replayed"), again.message());
        List<Message> origin = eventually("origin read", other, c -> c.fetch("orders", 0, 0, 100).records());
        assertEquals(List.of("a", "b", "a"), origin.stream().map(Message::valueAsString).toList());

        cluster.start(queueLeader);
        cluster.awaitRegistered();
        List<DeadLetter> left = eventually("list with every node back", queueLeader, c -> c.fetchDlq("orders", 10));
        assertEquals(List.of("b"), left.stream().map(DeadLetter::valueAsString).toList());
        DlqResult purged = eventually("purge", queueLeader, c -> c.purgeDlq("orders"));
        assertTrue(purged.success(), purged.message());
        ClusterHarness.await("queue gone everywhere", 20_000, () -> {
            for (int i = 0; i < ClusterHarness.SIZE; i++) {
                try (FlyMqClient c = cluster.client(i)) {
                    if (!c.fetchDlq("orders", 10).isEmpty()) {
                        return false;
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        });
    }
}
