package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.ConfigException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs one broker in this process: {@code java -m flymq.broker/flymq.broker.node.BrokerMain [--config FILE]
 * [--KEY VALUE | --KEY=VALUE]...} where KEY is any configuration key path (docs/configuration.md). Prints one line
 * {@code flymq broker <node> listening on <host>:<port>} to standard output once it serves, and shuts down
 * gracefully on SIGTERM/SIGINT. Upstream configuration keys it ignores print one {@code WARN} line each on standard
 * error first. Exit code 2 for a bad configuration, 1 when start-up fails.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path file = null;
        Map<String, String> flags = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--")) {
                    throw new ConfigException("unexpected argument '" + a + "': expected --key value");
                }
                String key = a.substring(2);
                String value;
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    value = key.substring(eq + 1);
                    key = key.substring(0, eq);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new ConfigException("flag --" + key + " needs a value");
                }
                if (key.equals("config")) {
                    file = Path.of(value);
                } else {
                    flags.put(key, value);
                }
            }
            BrokerConfig config = BrokerConfig.load(file, System.getenv(), flags);
            config.warnings().forEach(w -> System.err.println("WARN " + w));
            config.exposureWarning().ifPresent(w -> System.err.println("WARN " + w));
            BrokerNode node;
            try {
                node = BrokerNode.start(config);
            } catch (BrokerStartException e) {
                if (e.getCause() instanceof ConfigException c) {
                    throw c; // a value only the node can judge (e.g. a peers entry): exit 2 as for the others
                }
                System.err.println("flymq broker failed to start: " + e.getMessage());
                System.exit(1);
                return;
            } catch (RuntimeException e) {
                System.err.println("flymq broker failed to start: " + e.getMessage());
                System.exit(1);
                return;
            }
            node.failOnThreadErrors();
            Runtime.getRuntime().addShutdownHook(new Thread(node::close, "flymq-shutdown"));
            System.out.println("flymq broker " + config.nodeId() + " listening on "
                    + (config.bindHost().isEmpty() ? "*" : config.bindHost()) + ":" + node.boundPort());
            System.out.flush();
            node.awaitShutdown();
            if (node.failure().isPresent()) {
                System.err.println("flymq broker stopped: " + node.failure().get());
                System.exit(1);
            }
        } catch (ConfigException e) {
            System.err.println("flymq broker: " + e.getMessage());
            System.exit(2);
        }
    }
}
