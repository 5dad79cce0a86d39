package flymq.cli.topic;

import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.DurationConverter;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.client.FlyMqException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq topic create`. */
@Command(name = "create",
        header = "Create a topic.",
        description = {
            "",
            "Creates NAME with the given number of partitions. Names use letters, digits, '.', '_' and '-' (at "
                    + "most 249 characters). Creating a topic that exists is an error (exit 1) unless "
                    + "--if-not-exists is given.",
            "",
            "Without --replication-factor the request is FlyMQ 1.26's and the broker's default applies; with it, the "
                    + "factor travels in FlyMQ's CREATE_TOPIC settings block (docs/protocol.md).",
            "",
            "With --ttl, records produced into the topic without a time to live of their own expire that long "
                    + "after the broker receives them (0s: never, whatever the broker's ttl.default_ttl).",
            "",
            "Examples:",
            "  flymq topic create orders --partitions 3",
            "  flymq topic create quotes --ttl 1h",
            ""},
        mixinStandardHelpOptions = true)
public final class TopicCreate implements Callable<Integer> {
    static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The topic to create.")
    String name;

    @Option(names = {"-p", "--partitions"}, paramLabel = "N", defaultValue = "1",
            description = "Number of partitions (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = {"-r", "--replication-factor"}, paramLabel = "R",
            description = "Copies of each partition; at most the number of cluster nodes (default: the broker's, "
                    + "1 on a single node, up to 3 in a cluster).")
    Integer replicationFactor;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time to live of the topic's records, e.g. 1h (0s: they never expire).")
    Duration ttl;

    @Option(names = "--if-not-exists", description = "Succeed without change when the topic already exists.")
    boolean ifNotExists;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        if (!LEGAL.matcher(name).matches()) {
            throw new CliException(ExitCode.USAGE, "bad topic name '" + name
                    + "': use 1 to 249 letters, digits, '.', '_' or '-'");
        }
        if (partitions < 1) {
            throw new CliException(ExitCode.USAGE, "--partitions must be at least 1, got " + partitions);
        }
        if (ttl != null && ttl.isNegative()) {
            throw new CliException(ExitCode.USAGE, "--ttl must not be negative, got " + ttl);
        }
        if (replicationFactor != null && replicationFactor < 1) {
            throw new CliException(ExitCode.USAGE, "--replication-factor must be at least 1, got "
                    + replicationFactor);
        }
        try (var client = Brokers.connect(g)) {
            boolean exists = client.listTopics().contains(name);
            if (exists && !ifNotExists) {
                throw CliException.failed("topic '" + name + "' already exists; use --if-not-exists to accept "
                        + "that, or 'flymq topic describe " + name + "' to see it");
            }
            try {
                if (!exists && ttl != null) {
                    client.createTopic(name, partitions, replicationFactor == null ? -1 : replicationFactor, ttl);
                } else if (!exists && replicationFactor == null) {
                    client.createTopic(name, partitions); // the bytes of 1.26 and its SDKs
                } else if (!exists) {
                    client.createTopic(name, partitions, replicationFactor);
                }
            } catch (FlyMqException e) {
                // The broker refuses a factor above its node count. The node count is asked for only then: a
                // CLUSTER_STATUS before every create costs a status round trip per partition the node leads, which
                // made creating many topics in a row slower with every topic.
                if (replicationFactor != null && replicationFactor > 1 && String.valueOf(e.getMessage())
                        .contains("exceeds the")) {
                    int nodes = client.clusterStatus().nodes().size();
                    if (replicationFactor > nodes) {
                        throw CliException.failed("--replication-factor " + replicationFactor + " needs at least "
                                + replicationFactor + " nodes, the cluster has " + nodes);
                    }
                }
                throw e;
            }
            if (g.json()) {
                var created = client.metadata(name); // the topic as the broker holds it, defaults applied
                g.out().println(Json.write(Json.object("topic", name, "partitions", created.partitionCount(),
                        "replication_factor", created.replicationFactor(), "created", !exists)));
            } else {
                g.out().println(exists ? "topic " + name + " already exists"
                        : "created topic " + name + " with " + partitions + " partition" + (partitions == 1 ? "" : "s"));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
