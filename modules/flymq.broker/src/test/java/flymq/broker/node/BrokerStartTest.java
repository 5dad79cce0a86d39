package flymq.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started as `flymq server start` starts it ({@link BrokerNode#start(BrokerConfig)}): it owns every port and
 * its data directory, or fails with one line naming the port or path and leaves none of them held; once running,
 * a part that dies stops the whole node with a reason instead of leaving it half-alive.
 */
class BrokerStartTest {
    @TempDir
    Path dir;

    private BrokerConfig config(String... overrides) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("data_dir", dir.resolve("data").toString());
        flags.put("bind_addr", "127.0.0.1:0");
        flags.put("observability.metrics.addr", "127.0.0.1:0");
        flags.put("observability.health.addr", "127.0.0.1:0");
        for (int i = 0; i < overrides.length; i += 2) {
            flags.put(overrides[i], overrides[i + 1]);
        }
        return BrokerConfig.load(null, Map.of(), flags);
    }

    private static ServerSocket taken() throws Exception {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    /** The data directory is free again: a node starts on it. */
    private void assertDataDirectoryReleased() {
        try (BrokerNode again = BrokerNode.start(config())) {
            assertTrue(again.boundPort() > 0);
        }
    }

    @Test
    void aDataDirectoryThatIsAFileFailsBeforeAnyPortIsBound() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        int health;
        try (ServerSocket probe = taken()) {
            health = probe.getLocalPort();
        }
        var e = assertThrows(BrokerStartException.class, () -> BrokerNode.start(config("data_dir", file.toString(),
                "observability.health.addr", "127.0.0.1:" + health)));
        assertEquals("data directory " + file + " is a file, not a directory", e.getMessage());
        try (ServerSocket s = new ServerSocket(health, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(health, s.getLocalPort(), "the health port was never bound");
        }
    }

    @Test
    void aDataDirectoryInsideAFileIsRefusedNamingThePath() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        var e = assertThrows(BrokerStartException.class,
                () -> BrokerNode.start(config("data_dir", file.resolve("data").toString())));
        assertTrue(e.getMessage().startsWith("cannot create data directory " + file.resolve("data") + ": "),
                e.getMessage());
    }

    @Test
    void aDataDirectoryInUseByAnotherNodeIsNamed() {
        try (BrokerNode first = BrokerNode.start(config())) {
            var e = assertThrows(BrokerStartException.class, () -> BrokerNode.start(config()));
            assertEquals("data directory " + dir.resolve("data") + " is in use by another broker (lock .lock is held)",
                    e.getMessage());
            assertTrue(first.boundPort() > 0);
        }
    }

    @Test
    void aProtocolPortInUseFailsNamingTheKeyAndReleasesEverything() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            var e = assertThrows(BrokerStartException.class, () -> BrokerNode.start(config("bind_addr", addr)));
            assertEquals("cannot listen on bind_addr " + addr + ": Address already in use", e.getMessage());
        }
        assertDataDirectoryReleased();
    }

    @Test
    void aHealthPortInUseFailsAndReleasesTheDataDirectory() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            var e = assertThrows(BrokerStartException.class,
                    () -> BrokerNode.start(config("observability.health.addr", addr)));
            assertEquals("cannot listen on observability.health.addr " + addr + ": Address already in use",
                    e.getMessage());
        }
        assertDataDirectoryReleased();
    }

    @Test
    void aClusterPortInUseFailsNamingTheKeyAndTheCause() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            var e = assertThrows(BrokerStartException.class, () -> BrokerNode.start(config("node_id", "n1",
                    "cluster_addr", addr, "peers", "n1@" + addr)));
            assertTrue(e.getMessage().contains("(cluster_addr " + addr + ", "), e.getMessage());
            assertTrue(e.getMessage().endsWith(": Address already in use"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        assertDataDirectoryReleased();
    }

    @Test
    void aClusterMemberNamesItsBoundClusterPort() throws Exception {
        int port;
        try (ServerSocket probe = taken()) {
            port = probe.getLocalPort();
        }
        String addr = "127.0.0.1:" + port;
        try (BrokerNode node = BrokerNode.start(config("node_id", "n1", "cluster_addr", addr, "peers", "n1@" + addr))) {
            assertEquals(port, node.clusterPort().orElseThrow());
        }
    }

    @Test
    void everyListenerIsBoundWhenStartReturns() {
        try (BrokerNode node = BrokerNode.start(config())) {
            assertTrue(node.boundPort() > 0);
            assertTrue(node.metricsPort().orElseThrow() > 0);
            assertTrue(node.healthPort().orElseThrow() > 0);
            assertTrue(node.clusterPort().isEmpty(), "a single node binds no cluster port");
        }
    }

    @Test
    void aLostListenerStopsTheNodeWithTheReason() throws Exception {
        BrokerNode node = BrokerNode.start(config());
        try {
            node.fail("health listener on 127.0.0.1:0 stopped");
            node.fail("metrics listener on 127.0.0.1:0 stopped");
            assertTrue(node.awaitShutdown(Duration.ofSeconds(30)), "the node did not stop");
            assertEquals("health listener on 127.0.0.1:0 stopped", node.failure().orElseThrow());
        } finally {
            node.close();
        }
        assertDataDirectoryReleased();
    }

    @Test
    void aThreadEndingWithAnErrorStopsTheNode() throws Exception {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        BrokerNode node = BrokerNode.start(config());
        try {
            node.failOnThreadErrors();
            Thread t = Thread.ofPlatform().name("doomed").start(() -> {
                throw new OutOfMemoryError("Java heap space (test)");
            });
            t.join();
            assertTrue(node.awaitShutdown(Duration.ofSeconds(30)), "the node did not stop");
            assertEquals("thread doomed ended with java.lang.OutOfMemoryError: Java heap space (test)",
                    node.failure().orElseThrow());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
            node.close();
        }
    }

    @Test
    void aCloseIsNotAFailure() throws Exception {
        BrokerNode node = BrokerNode.start(config());
        node.close();
        node.fail("health listener on 127.0.0.1:0 stopped");
        assertTrue(node.failure().isEmpty());
    }
}
