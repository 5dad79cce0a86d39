package flymq.cli.cluster;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq cluster leave`. */
@Command(name = "leave",
        header = "Remove a node from the cluster.",
        description = {"", "Any member accepts the request (--server) and passes it to the cluster's leader. The "
                + "partitions the node leads get another leader first, then it is removed from every partition's "
                + "replicas and from the cluster; records already acknowledged stay on the other replicas. The node "
                + "may be running or dead; stop it afterwards. Refused when it is the last voting member or the only "
                + "replica of a partition.", "",
                "Exit codes: 0 removed, 1 refused (not a member, last voter, sole replica, single-node broker), "
                + "2 bad arguments, 3 no broker at --server.", "",
                "Example:", "  flymq --server n1:9092 cluster leave n3", ""},
        mixinStandardHelpOptions = true)
public final class ClusterLeaveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NODE_ID", description = "The node_id of the node to remove.")
    String nodeId;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            ClusterJoinCommand.print(g, client.clusterLeave(nodeId), "left: " + nodeId);
            return ExitCode.OK;
        }
    }
}
