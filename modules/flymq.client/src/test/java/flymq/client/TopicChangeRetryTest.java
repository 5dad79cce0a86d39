package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Topic changes sent while a cluster elects its metadata leader are asked again; other refusals are not. */
class TopicChangeRetryTest {

    private static final byte[] OK = ScriptedServer.frame(0x03, new byte[0]);

    @Test
    void aTopicChangeRefusedWhileNoLeaderIsElectedIsSentAgainUntilItIsTaken() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        try (ScriptedServer server = new ScriptedServer(r -> tries.incrementAndGet() <= 2
                ? ScriptedServer.error("not leader: no leader elected (cannot create topic t on node n1)") : OK);
             FlyMqClient client = FlyMqClient.builder().bootstrap(server.address()).build()) {
            client.createTopic("t", 3);
            assertEquals(3, tries.get(), "two refusals, then the topic was created");
            tries.set(0);
            client.createPartitions("t", 4);
            client.alterTopic("t", Map.of("retention_ms", 1000L));
            client.deleteTopic("t");
            assertEquals(5, tries.get());
        }
    }

    @Test
    void aRefusalThatNamesALeaderOrIsNoElectionFailsAtOnce() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        try (ScriptedServer server = new ScriptedServer(r -> {
            tries.incrementAndGet();
            return ScriptedServer.error("not leader: leader_id=n2 leader_addr=127.0.0.1:1 (topic t partition 0)");
        });
             FlyMqClient client = FlyMqClient.builder().bootstrap(server.address()).build()) {
            assertThrows(NotLeaderException.class, () -> client.createTopic("t", 3));
            assertEquals(1, tries.get());
        }
        try (ScriptedServer server = new ScriptedServer(r -> ScriptedServer.error("invalid partition count: 0"));
             FlyMqClient client = FlyMqClient.builder().bootstrap(server.address()).build()) {
            FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> client.createTopic("t", 3));
            assertTrue(e.getMessage().contains("invalid partition count"), e.getMessage());
        }
    }

    @Test
    void anElectionThatOutlastsTheRequestTimeoutIsReported() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        try (ScriptedServer server = new ScriptedServer(r -> {
            tries.incrementAndGet();
            return ScriptedServer.error("not leader: no leader elected (cannot create topic t on node n1)");
        });
             FlyMqClient client = FlyMqClient.builder().bootstrap(server.address())
                     .requestTimeout(Duration.ofSeconds(1)).build()) {
            NotLeaderException e = assertThrows(NotLeaderException.class, () -> client.createTopic("t", 3));
            assertTrue(e.getMessage().contains("no leader elected"), e.getMessage());
            assertTrue(tries.get() >= 2, "asked again before giving up: " + tries.get());
        }
    }
}
