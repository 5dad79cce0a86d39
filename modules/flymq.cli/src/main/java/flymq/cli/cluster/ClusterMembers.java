package flymq.cli.cluster;

import flymq.client.ClusterStatus;
import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq cluster members`. */
@Command(name = "members",
        header = "List the cluster's nodes with their address, state and role.",
        description = {"", "Example:", "  flymq cluster members --output json", ""},
        mixinStandardHelpOptions = true)
public final class ClusterMembers implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var status = client.clusterStatus();
            if (g.json()) {
                var nodes = new ArrayList<Object>();
                status.nodes().forEach(n -> nodes.add(Json.object("node_id", n.nodeId(), "address", n.address(),
                        "state", n.state(), "role", role(status, n))));
                g.out().println(Json.write(Json.object("members", nodes)));
            } else {
                table(status).print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }

    static String role(ClusterStatus status, ClusterStatus.Node n) {
        if (n.nodeId().equals(status.leaderId())) {
            return "leader";
        }
        return n.role().isEmpty() || n.role().equals("leader") ? "follower" : n.role();
    }

    static Table table(ClusterStatus status) {
        var table = Table.of("NODE", "ADDRESS", "STATE", "ROLE");
        status.nodes().forEach(n -> table.row(n.nodeId(), n.address(), n.state(), role(status, n)));
        return table;
    }
}
