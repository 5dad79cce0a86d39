package flymq.cli.cluster;

import flymq.client.ClusterMembership;
import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Globals;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `flymq cluster join`. */
@Command(name = "join",
        header = "Add a running node to the cluster.",
        description = {"", "Start the new node first with --peers listing the current members and not itself: it "
                + "waits outside the cluster. Then ask any member (--server) to add it; the request goes to the "
                + "cluster's leader, the node joins as a learner, catches up and becomes a voting member. It holds "
                + "replicas of topics created from then on. The change is kept across restarts.", "",
                "Exit codes: 0 added (or already a member), 1 refused (e.g. its id or address is taken, the broker "
                + "is a single node), 2 bad arguments, 3 no broker at --server.", "",
                "Example:", "  flymq --server n1:9092 cluster join --node-id n4 --cluster-addr n4:9093 "
                + "--addr n4:9092", ""},
        mixinStandardHelpOptions = true)
public final class ClusterJoinCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--node-id", required = true, paramLabel = "ID", description = "The joining node's node_id.")
    String nodeId;

    @Option(names = "--cluster-addr", required = true, paramLabel = "HOST:PORT",
            description = "The joining node's cluster_addr, as its peers will reach it.")
    String clusterAddr;

    @Option(names = "--addr", paramLabel = "HOST:PORT",
            description = "The joining node's client address (otherwise it announces it itself once it joined).")
    String addr = "";

    @Override
    public Integer call() {
        if (nodeId.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--node-id is empty");
        }
        requireHostPort("--cluster-addr", clusterAddr);
        if (!addr.isEmpty()) {
            requireHostPort("--addr", addr);
        }
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            print(g, client.clusterJoin(nodeId, clusterAddr, addr), "joined: " + nodeId);
            return ExitCode.OK;
        }
    }

    private void requireHostPort(String option, String value) {
        int colon = value.lastIndexOf(':');
        boolean ok = colon > 0 && colon < value.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(value.substring(colon + 1));
                ok = port > 0 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new ParameterException(spec.commandLine(), option + " '" + value
                    + "' is not HOST:PORT with a port in 1..65535");
        }
    }

    /** Prints the member list after a change: a table (or JSON) of id, cluster address and voting role. */
    static void print(Globals g, ClusterMembership membership, String headline) {
        if (g.json()) {
            var members = new ArrayList<Object>();
            membership.members().forEach(m -> members.add(Json.object("node_id", m.nodeId(), "cluster_addr",
                    m.clusterAddress(), "role", m.voting() ? "voter" : "learner")));
            g.out().println(Json.write(Json.object("members", members)));
        } else {
            g.out().println(headline);
            var table = Table.of("NODE", "CLUSTER_ADDR", "ROLE");
            membership.members().forEach(m -> table.row(m.nodeId(), m.clusterAddress(),
                    m.voting() ? "voter" : "learner"));
            table.print(g.out());
        }
        g.out().flush();
    }
}
