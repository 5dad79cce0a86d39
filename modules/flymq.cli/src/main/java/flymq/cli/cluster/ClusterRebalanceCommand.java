package flymq.cli.cluster;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `flymq cluster rebalance`. */
@Command(name = "rebalance",
        header = "Spread replicas and leaders evenly over the live nodes.",
        description = {"", "The cluster's leader computes a plan (CLUSTER_BALANCE): every live node gets an equal "
                + "share of replicas and of preferred leaders (within one), no two replicas of a partition share a "
                + "rack (cluster.rack), and replicas already well placed stay. Without --dry-run each partition that "
                + "moves gets a reassignment (see 'flymq cluster reassign'); partitions already moving are left "
                + "for a later rebalance. The plan is printed either way: one row per partition with its replicas "
                + "before and after, preferred leader first. Run it after nodes joined.", "",
                "Exit codes: 0 planned (and started), 1 refused, 2 bad arguments, 3 no broker at --server.", "",
                "Examples:", "  flymq cluster rebalance --dry-run", "  flymq cluster rebalance -o json", ""},
        mixinStandardHelpOptions = true)
public final class ClusterRebalanceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run", description = "Show the plan only; move nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var moves = dryRun ? client.rebalancePlan() : client.rebalance();
            ClusterDrainCommand.print(g, moves, dryRun ? "plan (dry run, nothing moved)" : "moving");
            return ExitCode.OK;
        }
    }
}
