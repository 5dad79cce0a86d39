package flymq.broker.node;

import static flymq.broker.TestPorts.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start-up that fails part-way releases what it opened: the same data directory can be started right after. */
class BrokerNodeStartupTest {
    @TempDir
    Path dir;

    @Test
    void aNodeThatCannotBindItsPortReleasesTheDataDirectory() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> flags = flags("127.0.0.1:" + taken.getLocalPort());
            assertThrows(UncheckedIOException.class, () -> start(flags));
        }
        try (BrokerNode node = start(flags("127.0.0.1:0"))) {
            assertTrue(node.boundPort() > 0);
        }
    }

    @Test
    void aClusterMemberThatCannotBindItsClusterPortReleasesTheDataDirectoryAndItsPort() throws IOException {
        int clusterPort = freePort();
        Map<String, String> flags = flags("127.0.0.1:0");
        flags.put("cluster_addr", "127.0.0.1:" + clusterPort);
        flags.put("peers", "n1@127.0.0.1:" + clusterPort);
        int clientPort;
        try (ServerSocket taken = new ServerSocket(clusterPort, 1, InetAddress.getLoopbackAddress())) {
            clientPort = freePort();
            flags.put("bind_addr", "127.0.0.1:" + clientPort);
            assertThrows(UncheckedIOException.class, () -> start(flags));
        }
        try (BrokerNode node = start(flags)) {
            assertTrue(node.metadataGroup().isPresent(), "a cluster member");
            assertEquals(clientPort, node.boundPort(), "the client port was released too");
        }
    }

    private Map<String, String> flags(String bindAddr) {
        Map<String, String> flags = new HashMap<>();
        flags.put("node_id", "n1");
        flags.put("bind_addr", bindAddr);
        flags.put("data_dir", dir.toString());
        return flags;
    }

    private static BrokerNode start(Map<String, String> flags) {
        return BrokerNode.start(BrokerConfig.load(null, Map.of(), flags), BrokerListener.NONE);
    }
}
