package flymq.cli.cluster;

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

/** `flymq cluster status`. */
@Command(name = "status",
        header = "Show the cluster id, the answering node, the leader and every node's state.",
        description = {"", "Asks the broker named by --server (CLUSTER_STATUS) and, for the partition count, "
                + "CLUSTER_METADATA.", "", "Example:", "  flymq cluster status", ""},
        mixinStandardHelpOptions = true)
public final class ClusterStatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var status = client.clusterStatus();
            var metadata = client.clusterMetadata("");
            int partitions = metadata.topics().stream().mapToInt(t -> t.partitions().size()).sum();
            long offline = metadata.topics().stream().flatMap(t -> t.partitions().stream())
                    .filter(p -> !p.state().equals("online")).count();
            if (g.json()) {
                var nodes = new ArrayList<Object>();
                status.nodes().forEach(n -> nodes.add(Json.object("node_id", n.nodeId(), "address", n.address(),
                        "state", n.state(), "leader", n.nodeId().equals(status.leaderId()))));
                g.out().println(Json.write(Json.object("cluster_id", status.clusterId(), "node_id", status.nodeId(),
                        "leader_id", status.leaderId(), "topics", metadata.topics().size(), "partitions", partitions,
                        "offline_partitions", offline, "nodes", nodes)));
            } else {
                g.out().println("cluster: " + status.clusterId() + "  answered by: " + status.nodeId()
                        + "  leader: " + (status.leaderId().isEmpty() ? "(none)" : status.leaderId()));
                g.out().println("topics: " + metadata.topics().size() + "  partitions: " + partitions
                        + "  offline: " + offline);
                ClusterMembers.table(status).print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
