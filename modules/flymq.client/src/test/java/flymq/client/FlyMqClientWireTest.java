package flymq.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client's bytes and its connection handling, against a scripted server (no broker needed). */
class FlyMqClientWireTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("[^0-9A-Fa-f]", ""));
    }

    private static byte[] recordMetadata(String topic, int partition, long offset) {
        flymq.protocol.PayloadWriter w = new flymq.protocol.PayloadWriter(64).str16(topic).i32(partition).i64(offset).i64(1L).i32(-1).i32(5);
        return ScriptedServer.frame(0x01, w.toPayload());
    }

    @Test
    void produceSendsTheSpecExampleBytes() throws Exception {
        try (ScriptedServer server = new ScriptedServer(r -> recordMetadata("test", 0, 7));
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            RecordMetadata md = client.produce("test", "hello".getBytes(StandardCharsets.UTF_8));
            assertEquals(new RecordMetadata("test", 0, 7, 1L, -1, 5), md);
            // the spec's example header says length 0x13, but its own payload bytes add up to 0x17 (23)
            assertArrayEquals(hex("AF 01 01 01 00 00 00 17 00 04 74 65 73 74 00 00 00 00 00 00 00 05 68 65 6C 6C 6F"
                    + " FF FF FF FF"), server.requests.get(0).frame());
        }
    }

    @Test
    void subscribeSendsTheSpecExampleBytes() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                r -> ScriptedServer.frame(0x05, hex("00 00 00 00 00 00 00 2A")));
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            assertEquals(42, client.subscribe("orders", "g1", 0, SubscribeMode.COMMIT));
            assertArrayEquals(hex("AF 01 05 01 00 00 00 17 00 06 6F 72 64 65 72 73 00 02 67 31 00 00 00 00 06 63 6F"
                    + " 6D 6D 69 74"), server.requests.get(0).frame());
        }
    }

    @Test
    void serverErrorTextReachesTheException() throws Exception {
        try (ScriptedServer server = new ScriptedServer(r -> ScriptedServer.error("partition 3 not found"));
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqServerException e = assertThrows(FlyMqServerException.class,
                    () -> client.fetch("orders", 3, 0, 10));
            assertEquals("partition 3 not found", e.serverMessage());
            assertEquals("FETCH", e.request());
            // the connection stays usable after an ERROR answer
            assertThrows(FlyMqServerException.class, () -> client.fetch("orders", 3, 0, 10));
            assertEquals(2, server.requests.size());
        }
    }

    @Test
    void notLeaderErrorCarriesTheLeaderAddress() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                r -> ScriptedServer.error("not leader: leader_id=2 leader_addr=10.0.0.2:9092"));
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqServerException e = assertThrows(FlyMqServerException.class, () -> client.createTopic("t", 1));
            NotLeaderException nl = assertInstanceOf(NotLeaderException.class, e);
            assertEquals("10.0.0.2:9092", nl.leaderAddress().orElseThrow());
        }
    }

    @Test
    void rawTextErrorIsReadWhole() {
        assertEquals("ion 3", FlyMqClient.decodeError("partition 3".getBytes(StandardCharsets.UTF_8)).substring(6));
        assertEquals("EOF", FlyMqClient.decodeError("EOF".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void unreachableBootstrapListThrowsConnectionExceptionNamingEveryServer() throws Exception {
        int deadPort1;
        int deadPort2;
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort1 = a.getLocalPort();
            deadPort2 = b.getLocalPort();
        }
        String list = "127.0.0.1:" + deadPort1 + ",127.0.0.1:" + deadPort2;
        ConnectionException e = assertThrows(ConnectionException.class, () -> FlyMqClient.connect(list));
        assertTrue(e.getMessage().contains(String.valueOf(deadPort1)), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(deadPort2)), e.getMessage());
    }

    @Test
    void skipsUnreachableFirstBootstrapServer() throws Exception {
        int deadPort;
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = a.getLocalPort();
        }
        try (ScriptedServer server = new ScriptedServer(r -> recordMetadata("t", 0, 0));
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + deadPort + "," + server.address())) {
            assertEquals(server.address(), client.connectedServer());
        }
    }

    @Test
    void reconnectsToTheNextBootstrapServerAfterTheConnectionDrops() throws Exception {
        try (ScriptedServer first = new ScriptedServer(r -> recordMetadata("t", 0, 1));
             ScriptedServer second = new ScriptedServer(r -> recordMetadata("t", 0, 2));
             FlyMqClient client = FlyMqClient.connect(first.address() + "," + second.address())) {
            assertEquals(1, client.produce("t", new byte[1]).offset());
            first.close();
            // the write may still succeed into the dead socket; either this call or the next one notices
            long offset;
            try {
                offset = client.produce("t", new byte[1]).offset();
            } catch (ConnectionException expected) {
                offset = client.produce("t", new byte[1]).offset();
            }
            assertEquals(2, offset);
            assertEquals(second.address(), client.connectedServer());
        }
    }

    @Test
    void readOnlyRequestIsRetriedOnTheNextServer() throws Exception {
        byte[] topics = ScriptedServer.frame(0x08, hex("00 00 00 01 00 01 61"));
        try (ScriptedServer first = new ScriptedServer(r -> null);
             ScriptedServer second = new ScriptedServer(r -> topics);
             FlyMqClient client = FlyMqClient.connect(first.address() + "," + second.address())) {
            assertEquals(List.of("a"), client.listTopics());
            assertEquals(1, first.requests.size());
        }
    }

    @Test
    void pipelinedAnswersCompleteInRequestOrder() throws Exception {
        int[] next = {0};
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer(r -> {
            if (next[0] == 0) {
                try {
                    // hold the first answer so that the later requests are really in flight together
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return recordMetadata("t", 0, next[0]++);
        });
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                futures.add(client.produceAsync("t", 0, null, new byte[] {(byte) i}));
            }
            release.countDown();
            for (int i = 0; i < 100; i++) {
                assertEquals(i, futures.get(i).get(10, TimeUnit.SECONDS).offset());
                assertEquals(i, server.requests.get(i).payload()[11], "request " + i + " sent out of order");
            }
            // synchronous calls share the pipelined connection and keep its order
            assertEquals(100, client.produce("t", new byte[1]).offset());
        }
    }

    @Test
    void unansweredRequestTimesOutAndFailsTheConnection() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer(r -> {
            try {
                never.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
             FlyMqClient client = FlyMqClient.builder().bootstrap(server.address())
                     .requestTimeout(Duration.ofMillis(200)).build()) {
            assertThrows(RequestTimeoutException.class, () -> client.createTopic("t", 1));
            never.countDown();
        }
    }

    @Test
    void idleTimeBetweenCallsDoesNotCountAgainstTheRequestTimeout() throws Exception {
        byte[] topics = ScriptedServer.frame(0x08, hex("00 00 00 01 00 01 61"));
        try (ScriptedServer server = new ScriptedServer(r -> topics);
             FlyMqClient client = FlyMqClient.builder().bootstrap(server.address())
                     .requestTimeout(Duration.ofMillis(100)).build()) {
            assertEquals(List.of("a"), client.listTopics());
            // several watchdog periods and more than the timeout pass with no call in progress
            Thread.sleep(400);
            assertEquals(List.of("a"), client.listTopics());
            assertEquals(2, server.requests.size());
            assertEquals(1, server.connectionsAccepted(), "the idle connection must not have been closed");
        }
    }

    @Test
    void aSlowAnswerWithinTheTimeoutIsNotCutOff() throws Exception {
        byte[] topics = ScriptedServer.frame(0x08, hex("00 00 00 01 00 01 61"));
        try (ScriptedServer server = new ScriptedServer(r -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return topics;
        });
             FlyMqClient client = FlyMqClient.builder().bootstrap(server.address())
                     .requestTimeout(Duration.ofSeconds(5)).build()) {
            assertEquals(List.of("a"), client.listTopics());
        }
    }

    @Test
    void truncatedAnswerIsAProtocolError() throws Exception {
        try (ScriptedServer server = new ScriptedServer(r -> ScriptedServer.frame(0x60, hex("00 00 00")));
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> client.getOffset("t", "g", 0));
            assertTrue(e.getMessage().contains("GET_OFFSET"), e.getMessage());
        }
    }

    @Test
    void badBootstrapEntriesAreRejectedWithTheEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlyMqClient.connect("localhost:9092,nohost"));
        assertTrue(e.getMessage().contains("nohost"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FlyMqClient.connect("h:70000"));
        assertThrows(IllegalArgumentException.class, () -> FlyMqClient.connect(""));
    }
}
