package flymq.cli.cluster;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq cluster elect-leaders`. */
@Command(name = "elect-leaders",
        header = "Hand each partition's leadership to its preferred replica.",
        description = {"", "A partition's preferred leader is the first node of its replica list. Every node hands "
                + "the partitions it leads to their preferred replica when that one is a voter in sync "
                + "(CLUSTER_BALANCE, passed on to every node). Nodes do this on their own every "
                + "cluster.leader_balance_interval_ms (default 30 s; 0 = only on this command), so leadership returns "
                + "to a node after it comes back. Prints the hand-overs (FROM = old leader, TO = new).", "",
                "Exit codes: 0 done, 1 refused, 2 bad arguments, 3 no broker at --server.", "",
                "Example:", "  flymq cluster elect-leaders", ""},
        mixinStandardHelpOptions = true)
public final class ClusterElectLeadersCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            ClusterDrainCommand.print(g, client.electLeaders(), "leaders handed over");
            return ExitCode.OK;
        }
    }
}
