package flymq.cli.server;

import flymq.cli.AcksConverter;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.protocol.Acks;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `flymq server start`. The options are plain strings handed to the broker's configuration loader, which checks
 * them and names the key of a bad one; the broker classes themselves are touched only by {@link BrokerRunner},
 * so that building this command's model (for every flymq invocation) loads none of them.
 */
@Command(name = "start",
        header = "Start a broker in the foreground.",
        description = {
            "",
            "Loads the configuration (flags over FLYMQ_* environment variables over the --config JSON file over "
                    + "defaults; docs/configuration.md lists every key), recovers the data directory, and serves "
                    + "the FlyMQ protocol. It prints a short banner and then one line starting with 'ready' that "
                    + "names the bound ports. SIGTERM or SIGINT (Ctrl-C) shut it down gracefully: it stops "
                    + "accepting, finishes the requests in flight, flushes and closes the logs, prints 'stopped' and "
                    + "exits 0.",
            "",
            "Every key can be set with --set KEY=VALUE (e.g. --set performance.sync_interval_ms=0); the common ones "
                    + "have their own flags below.",
            "",
            "Examples:",
            "  flymq server start",
            "  flymq server start --config flymq.json --data-dir /var/lib/flymq",
            "  flymq server start --bind-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0",
            "  flymq server start --tls           (TLS with a development certificate made under DATA_DIR/tls/)",
            "  flymq server start --tls-addr :9443 --set security.tls_cert_file=server.crt "
                    + "--set security.tls_key_file=server.key",
            "",
            "With --tls (or --tls-addr) the broker serves TLS: on --bind-addr, or on --tls-addr next to plaintext on "
                    + "--bind-addr. Without security.tls_cert_file it makes a development CA and certificate under "
                    + "DATA_DIR/tls/ (key security.tls_auto_generate); clients trust it with "
                    + "'--tls-ca DATA_DIR/tls/ca.crt'. The ready line then ends with ', tls HOST:PORT'.",
            ""},
        mixinStandardHelpOptions = true)
public final class ServerStart implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "JSON configuration file.")
    Path config;

    @Option(names = "--bind-addr", paramLabel = "HOST:PORT",
            description = "Protocol listen address (key bind_addr; default :9092; port 0 picks a free one).")
    String bindAddr;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where logs and state live (key data_dir; "
            + "default ./data).")
    String dataDir;

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id (key node_id).")
    String nodeId;

    @Option(names = "--cluster-addr", paramLabel = "HOST:PORT",
            description = "Raft listen address (key cluster_addr; default :9093).")
    String clusterAddr;

    @Option(names = "--peers", paramLabel = "ID@HOST:PORT,...",
            description = "The cluster's nodes as id@host:cluster_port: this one included to found the cluster, "
                    + "left out to join a running one with 'flymq cluster join' (key peers).")
    String peers;

    @Option(names = "--segment-bytes", paramLabel = "BYTES",
            description = "Roll a segment at this size (key segment_bytes).")
    String segmentBytes;

    @Option(names = "--retention-bytes", paramLabel = "BYTES",
            description = "Keep at most this much per partition, 0 = unlimited (key retention_bytes).")
    String retentionBytes;

    @Option(names = "--retention-ms", paramLabel = "MS",
            description = "Delete segments older than this (key retention_ms).")
    String retentionMs;

    // a string, like every option here: the configuration loader reads it as it reads the key from a file
    @Option(names = "--acks", paramLabel = "none|leader|all", completionCandidates = AcksConverter.Spellings.class,
            description = "When a produce is acknowledged: " + Acks.SPELLINGS + " (key performance.acks).")
    String acks;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "debug, info, warn or error (key log_level).")
    String logLevel;

    @Option(names = "--metrics-addr", paramLabel = "HOST:PORT",
            description = "Prometheus /metrics listen address (key observability.metrics.addr; default :9094).")
    String metricsAddr;

    @Option(names = "--health-addr", paramLabel = "HOST:PORT",
            description = "Health endpoints listen address (key observability.health.addr; default :9095).")
    String healthAddr;

    @Option(names = "--tls-addr", paramLabel = "HOST:PORT",
            description = "Serve TLS on this address too, keeping plaintext on --bind-addr (key security.tls_addr; "
                    + "implies --tls).")
    String tlsAddr;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any configuration key (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        var g = FlyMq.globals(spec);
        var flags = new LinkedHashMap<String, String>(set);
        put(flags, "bind_addr", bindAddr);
        put(flags, "data_dir", dataDir);
        put(flags, "node_id", nodeId);
        put(flags, "cluster_addr", clusterAddr);
        put(flags, "peers", peers);
        put(flags, "segment_bytes", segmentBytes);
        put(flags, "retention_bytes", retentionBytes);
        put(flags, "retention_ms", retentionMs);
        put(flags, "performance.acks", acks);
        put(flags, "log_level", logLevel);
        put(flags, "observability.metrics.addr", metricsAddr);
        put(flags, "observability.health.addr", healthAddr);
        if (g.tls().enabled() || tlsAddr != null) {
            // the inherited --tls: TLS on, with a development certificate unless certificate files are configured
            flags.putIfAbsent("security.tls_enabled", "true");
            flags.putIfAbsent("security.tls_auto_generate", "true");
            put(flags, "security.tls_addr", tlsAddr);
        }
        int code = BrokerRunner.run(config, System.getenv(), flags, g.out(), g.err());
        return code == 0 ? ExitCode.OK : code;
    }

    private static void put(Map<String, String> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }
}
