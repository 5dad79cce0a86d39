package flymq.cli.server;

import flymq.broker.BrokerConfig;
import flymq.broker.node.BrokerNode;
import flymq.broker.node.BrokerStartException;
import flymq.broker.ConfigException;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The only class of the CLI that touches the broker's server side: loads the configuration, starts the node,
 * prints the banner and the ready line, and waits until SIGTERM/SIGINT (a JVM shutdown hook) has closed it.
 * Nothing but {@link ServerStart#call()} refers to it, so client commands never load it.
 */
final class BrokerRunner {
    /** How long a stop (SIGTERM, SIGINT or a failure) may take before the process exits without finishing it. */
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FAILURE_POLL = Duration.ofMillis(200);

    private BrokerRunner() {
    }

    static int run(Path configFile, Map<String, String> env, Map<String, String> flags, PrintWriter out,
                   PrintWriter err) throws InterruptedException {
        BrokerNode.prepareStart();
        BrokerConfig config;
        try {
            config = BrokerConfig.load(configFile, env, flags);
        } catch (ConfigException e) {
            throw badConfiguration(e);
        }
        config.warnings().forEach(w -> err.println("WARN " + w));
        config.exposureWarning().ifPresent(w -> err.println("WARN " + w));
        err.flush();
        out.println("FlyMQ " + FlyMq.Version.version() + ": node " + config.nodeId() + ", data "
                + config.dataDir().toAbsolutePath().normalize());
        out.flush();
        BrokerNode node;
        try {
            node = BrokerNode.start(config);
        } catch (BrokerStartException e) {
            if (e.getCause() instanceof ConfigException c) {
                // a value only the node can judge, e.g. a peers entry that is not node_id@host:port
                throw badConfiguration(c);
            }
            throw new CliException(ExitCode.FAILED, "cannot start the broker: " + e.getMessage(), e);
        }
        node.failOnThreadErrors();
        // SIGTERM/SIGINT: close the node and let run() return, so the process exits 0 after a graceful stop
        // (the JVM's own handling would exit 143/130). Other exits still close the node through the hook. Both
        // threads exist before any signal, so a stop needs no allocation of the broker's (perhaps exhausted) heap
        // but the thread starts; a close that does not finish within SHUTDOWN_TIMEOUT ends the process.
        Thread closer = Thread.ofPlatform().name("flymq-close").daemon(true).unstarted(node::close);
        Thread stopper = Thread.ofPlatform().name("flymq-stop").daemon(true).unstarted(() -> {
            closer.start();
            try {
                if (!node.awaitShutdown(SHUTDOWN_TIMEOUT)) {
                    err.println("flymq server start: the broker did not stop within " + SHUTDOWN_TIMEOUT.toSeconds()
                            + " s; exiting");
                    err.flush();
                    Runtime.getRuntime().halt(ExitCode.FAILED);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopping.compareAndSet(false, true)) {
                stopper.start();
            }
        };
        for (var name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.run());
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("flymq-shutdown").unstarted(node::close));
        var host = config.bindHost().isEmpty() ? "0.0.0.0" : config.bindHost();
        out.println("ready: protocol " + host + ":" + node.boundPort()
                + ", metrics " + (config.observability().metrics().enabled()
                        ? bound(config.observability().metrics().addr(), node.metricsPort()) : "off")
                + ", health " + bound(config.observability().health().addr(), node.healthPort())
                + (node.clusterPort().isPresent() ? ", cluster " + bound(config.clusterAddr(), node.clusterPort())
                        : "")
                + (node.tlsPort().isPresent() ? ", tls " + (config.tls().separateListener()
                        ? bound(config.tls().addr(), node.tlsPort()) : host + ":" + node.tlsPort().getAsInt())
                        : ""));
        // a line of its own: scripts and tests parse the ready line as it is
        out.println("console: " + node.consoleUrl().orElse("not served (observability.admin.enabled is false, or "
                + "its default port was taken: see the log)"));
        out.flush();
        BrokerStartupCache.afterReady();
        // A node that fails (a listener lost, an Error in a thread) stops itself; the stopper bounds that stop too.
        while (!node.awaitShutdown(FAILURE_POLL)) {
            if (node.failure().isPresent()) {
                stop.run();
            }
        }
        if (node.failure().isPresent()) {
            throw CliException.failed("the broker stopped: " + node.failure().get());
        }
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
