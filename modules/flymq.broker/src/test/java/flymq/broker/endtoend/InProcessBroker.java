package flymq.broker.endtoend;

import flymq.broker.BrokerConfig;
import flymq.broker.BrokerListener;
import flymq.broker.node.BrokerNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A real broker in the test JVM on an ephemeral loopback port. */
final class InProcessBroker implements AutoCloseable {
    final BrokerNode node;

    InProcessBroker(Path dataDir) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("bind_addr", "127.0.0.1:0");
        flags.put("data_dir", dataDir.toString());
        flags.put("node_id", "client-test");
        node = BrokerNode.start(BrokerConfig.load(null, Map.of(), flags), BrokerListener.NONE);
    }

    int port() {
        return node.boundPort();
    }

    String address() {
        return "127.0.0.1:" + node.boundPort();
    }

    @Override
    public void close() {
        node.close();
    }
}
