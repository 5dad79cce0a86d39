package flymq.broker;

import flymq.broker.node.BrokerNode;
import flymq.client.FlyMqClient;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A node on an ephemeral port whose wall clock is a {@link TestClock}, and a client that shares that clock. */
final class ClockedNode implements AutoCloseable {
    final BrokerNode node;
    final FlyMqClient client;

    /** @param extraFlags alternating key, value */
    ClockedNode(Path dataDir, TestClock clock, String... extraFlags) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("bind_addr", "127.0.0.1:0");
        flags.put("data_dir", dataDir.toString());
        flags.put("node_id", "clocked");
        for (int i = 0; i + 1 < extraFlags.length; i += 2) {
            flags.put(extraFlags[i], extraFlags[i + 1]);
        }
        node = BrokerNode.start(BrokerConfig.load(null, Map.of(), flags), BrokerListener.NONE, clock);
        client = FlyMqClient.builder().bootstrap("127.0.0.1:" + node.boundPort()).clock(clock).build();
    }

    @Override
    public void close() {
        client.close();
        node.close();
    }
}
