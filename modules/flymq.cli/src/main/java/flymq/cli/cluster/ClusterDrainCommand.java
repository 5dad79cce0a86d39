package flymq.cli.cluster;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Globals;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import flymq.client.PartitionMove;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq cluster drain`. */
@Command(name = "drain",
        header = "Move every replica and leadership off a node, before it leaves.",
        description = {"", "Each partition the node holds gets a reassignment that replaces it with the least loaded "
                + "live node not holding the partition (racks respected); the partition's leadership moves with it. "
                + "When 'flymq cluster status --partitions' shows no move left and the node in no replica list, "
                + "remove it with 'flymq cluster leave NODE_ID'.", "",
                "Exit codes: 0 moves started (or nothing to move), 1 refused (not a member, no other live node), "
                + "2 bad arguments, 3 no broker at --server.", "",
                "Example:", "  flymq cluster drain n3 && flymq cluster leave n3", ""},
        mixinStandardHelpOptions = true)
public final class ClusterDrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NODE_ID", description = "The node to empty.")
    String nodeId;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            print(g, client.drain(nodeId), "draining " + nodeId);
            return ExitCode.OK;
        }
    }

    /** The moves as a table (TOPIC, PARTITION, FROM, TO) or a JSON object {@code {"moves": [...]}}. */
    static void print(Globals g, List<PartitionMove> moves, String headline) {
        if (g.json()) {
            var rows = new ArrayList<Object>();
            moves.forEach(m -> rows.add(Json.object("topic", m.topic(), "partition", m.partition(), "from", m.from(),
                    "to", m.to())));
            g.out().println(Json.write(Json.object("moves", rows)));
        } else {
            g.out().println(headline + ": " + moves.size() + " partition(s)");
            if (!moves.isEmpty()) {
                var table = Table.of("TOPIC", "PARTITION", "FROM", "TO").numeric(1);
                moves.forEach(m -> table.row(m.topic(), Integer.toString(m.partition()), String.join(",", m.from()),
                        String.join(",", m.to())));
                table.print(g.out());
            }
        }
        g.out().flush();
    }
}
