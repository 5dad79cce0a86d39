package flymq.cli;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** An in-process broker on ephemeral loopback ports with its data in a temporary directory. */
public final class TestBroker implements AutoCloseable {
    private final BrokerNode node;

    private TestBroker(BrokerNode node) {
        this.node = node;
    }

    public static TestBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** A broker with more configuration keys ({@code extra}: key path to value). */
    public static TestBroker start(Path dataDir, Map<String, String> extra) {
        var flags = new java.util.HashMap<>(Map.of(
                "bind_addr", "127.0.0.1:0",
                "node_id", "node-1",
                "data_dir", dataDir.toString(),
                "observability.metrics.addr", "127.0.0.1:0",
                "observability.health.addr", "127.0.0.1:0"));
        flags.putAll(extra);
        return new TestBroker(BrokerNode.start(BrokerConfig.load(null, Map.of(), flags)));
    }

    /** The --server value for this broker. */
    public String server() {
        return "127.0.0.1:" + node.boundPort();
    }

    /** The URL of this broker's Prometheus endpoint (its telemetry listens on an ephemeral port). */
    public URI metricsUrl() {
        int port = node.metricsPort().orElseThrow(() -> new IllegalStateException("the broker started no telemetry"));
        return URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    /** Runs a flymq command against this broker. */
    public Cli.Result run(String... args) {
        var all = new String[args.length + 2];
        all[0] = "--server";
        all[1] = server();
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.run(all);
    }

    @Override
    public void close() {
        node.close();
    }
}
