package flymq.broker;

import flymq.broker.node.BrokerNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An in-process broker on an ephemeral loopback port over a temporary data directory. */
final class TestBroker implements AutoCloseable {
    final Path dataDir;
    final Map<String, String> flags;
    final BrokerListener listener;
    /** When set, {@link #client()} connects over TLS with it (to the TLS port), as the official Java SDK does. */
    javax.net.ssl.SSLContext clientTls;
    BrokerNode node;

    private TestBroker(Path dataDir, Map<String, String> flags, BrokerListener listener) {
        this.dataDir = dataDir;
        this.flags = flags;
        this.listener = listener;
        start();
    }

    /** @param extraFlags alternating key, value */
    static TestBroker start(Path dataDir, String... extraFlags) {
        return start(dataDir, BrokerListener.NONE, extraFlags);
    }

    static TestBroker start(Path dataDir, BrokerListener listener, String... extraFlags) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("bind_addr", "127.0.0.1:0");
        flags.put("data_dir", dataDir.toString());
        flags.put("node_id", "test-node");
        for (int i = 0; i + 1 < extraFlags.length; i += 2) {
            flags.put(extraFlags[i], extraFlags[i + 1]);
        }
        return new TestBroker(dataDir, flags, listener);
    }

    private void start() {
        node = BrokerNode.start(BrokerConfig.load(null, Map.of(), flags), listener);
    }

    /** Graceful stop and start over the same data directory (a new port). */
    void restart() {
        node.close();
        start();
    }

    int port() {
        return node.boundPort();
    }

    WireClient client() throws IOException {
        if (clientTls == null) {
            return new WireClient(port());
        }
        int tlsPort = node.tlsPort().orElseThrow();
        // the Java SDK's way: a socket from the context's factory, handshake on first use, no host name check
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) clientTls.getSocketFactory()
                .createSocket("127.0.0.1", tlsPort);
        s.startHandshake();
        return new WireClient(s);
    }

    @Override
    public void close() {
        node.close();
    }
}
