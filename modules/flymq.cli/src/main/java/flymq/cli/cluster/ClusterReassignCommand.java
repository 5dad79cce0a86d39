package flymq.cli.cluster;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `flymq cluster reassign`. */
@Command(name = "reassign",
        header = "Move a partition's replicas to other nodes, or cancel such a move.",
        description = {"", "Records the target in the cluster's metadata (PARTITION_REASSIGN); the partition's leader "
                + "then adds the new nodes as learners, lets them catch up (at cluster.reassignment_bytes_per_sec), "
                + "makes them voters, hands leadership over if it is leaving, and removes the old replicas. Producers "
                + "and consumers keep working; nothing acknowledged is lost. The command answers once the move is "
                + "recorded: follow it with 'flymq cluster status --partitions'. The first node of --replicas is the "
                + "partition's preferred leader. --cancel moves the partition back to the replicas it had.", "",
                "Exit codes: 0 recorded, 1 refused (unknown topic, partition or node, a move already in progress, a "
                + "single-node broker), 2 bad arguments, 3 no broker at --server.", "",
                "Examples:", "  flymq cluster reassign --topic orders --partition 0 --replicas n2,n4,n5",
                "  flymq cluster reassign --topic orders --partition 0 --cancel", ""},
        mixinStandardHelpOptions = true)
public final class ClusterReassignCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The partition's topic.")
    String topic;

    @Option(names = "--partition", required = true, paramLabel = "N", description = "The partition number.")
    int partition;

    @Option(names = "--replicas", paramLabel = "ID[,ID...]", split = ",",
            description = "The target replicas (node ids), preferred leader first.")
    List<String> replicas;

    @Option(names = "--cancel", description = "Cancel the move in progress instead.")
    boolean cancel;

    @Override
    public Integer call() {
        if (cancel == (replicas != null)) {
            throw new ParameterException(spec.commandLine(), "give either --replicas or --cancel");
        }
        if (partition < 0) {
            throw new ParameterException(spec.commandLine(), "--partition must be >= 0, was " + partition);
        }
        if (!cancel && (replicas.isEmpty() || replicas.stream().anyMatch(String::isBlank))) {
            throw new ParameterException(spec.commandLine(), "--replicas needs node ids, was "
                    + Arrays.toString(replicas.toArray()));
        }
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            if (cancel) {
                client.cancelReassignment(topic, partition);
            } else {
                client.reassignPartition(topic, partition, replicas);
            }
        }
        if (g.json()) {
            g.out().println(Json.write(Json.object("topic", topic, "partition", partition, "action",
                    cancel ? "cancel" : "reassign", "replicas", cancel ? List.of() : replicas)));
        } else {
            g.out().println(cancel ? "cancelling the move of " + topic + "-" + partition
                    : "moving " + topic + "-" + partition + " to " + String.join(",", replicas));
        }
        g.out().flush();
        return ExitCode.OK;
    }
}
