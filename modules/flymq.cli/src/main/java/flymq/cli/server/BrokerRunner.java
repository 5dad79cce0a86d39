package flymq.cli.server;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.broker.ConfigException;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The only class of the CLI that touches the broker's server side: loads the configuration, starts the node,
 * prints the banner and the ready line, and waits until SIGTERM/SIGINT (a JVM shutdown hook) has closed it.
 * Nothing but {@link ServerStart#call()} refers to it, so client commands never load it.
 */
final class BrokerRunner {
    private BrokerRunner() {
    }

    static int run(Path configFile, Map<String, String> env, Map<String, String> flags, PrintWriter out,
                   PrintWriter err) throws InterruptedException {
        BrokerConfig config;
        try {
            config = BrokerConfig.load(configFile, env, flags);
        } catch (ConfigException e) {
            throw badConfiguration(e);
        }
        config.warnings().forEach(w -> err.println("WARN " + w));
        err.flush();
        out.println("FlyMQ " + FlyMq.Version.version() + ": node " + config.nodeId() + ", data "
                + config.dataDir().toAbsolutePath().normalize());
        out.flush();
        BrokerNode node;
        try {
            node = BrokerNode.start(config);
        } catch (ConfigException e) {
            // a value only the node can judge, e.g. a peers entry that is not node_id@host:port
            throw badConfiguration(e);
        } catch (UncheckedIOException e) {
            throw CliException.failed("cannot start the broker: " + e.getMessage()
                    + (e.getCause() != null && e.getCause().getMessage() != null
                    ? " (" + e.getCause().getMessage() + ")" : "")
                    + "; is another broker using the port or the data directory?");
        }
        // SIGTERM/SIGINT: close the node and let run() return, so the process exits 0 after a graceful stop
        // (the JVM's own handling would exit 143/130). Other exits still close the node through the hook.
        Runnable stop = () -> Thread.ofPlatform().name("flymq-stop").start(node::close);
        for (var name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.run());
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("flymq-shutdown").unstarted(node::close));
        var host = config.bindHost().isEmpty() ? "0.0.0.0" : config.bindHost();
        out.println("ready: protocol " + host + ":" + node.boundPort()
                + ", metrics " + bound(config.observability().metrics().addr(), node.metricsPort())
                + ", health " + bound(config.observability().health().addr(), node.healthPort()));
        out.flush();
        node.awaitShutdown();
        out.println("stopped");
        out.flush();
        return ExitCode.OK;
    }

    private static CliException badConfiguration(ConfigException e) {
        return new CliException(ExitCode.USAGE, "bad configuration: " + e.getMessage()
                + " (docs/configuration.md lists every key)", e);
    }

    /** host:port as configured, with the port the server really bound (a configured 0 means "any free port"). */
    static String bound(String configured, OptionalInt port) {
        if (port.isEmpty()) {
            return configured;
        }
        int colon = configured.lastIndexOf(':');
        return (colon < 0 ? "" : configured.substring(0, colon)) + ":" + port.getAsInt();
    }
}
