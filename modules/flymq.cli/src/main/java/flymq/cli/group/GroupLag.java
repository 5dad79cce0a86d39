package flymq.cli.group;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq group lag`. */
@Command(name = "lag",
        header = "Show how far a consumer group is behind, per partition and in total.",
        description = {
            "",
            "For every partition of the group's topics (or --topic): the committed offset, the latest offset "
                    + "(the next one to be written) and the lag, their difference; then the total. A partition "
                    + "the group never committed on counts from 0.",
            "",
            "Example:",
            "  flymq group lag billing --topic orders",
            ""},
        mixinStandardHelpOptions = true)
public final class GroupLag implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", description = "Only this topic.")
    String topic;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            List<String> topics = Groups.of(client, group, topic).stream().map(gi -> gi.topic()).toList();
            var rows = new ArrayList<Object>();
            var table = Table.of("TOPIC", "PARTITION", "COMMITTED", "LATEST", "LAG").numeric(1, 2, 3, 4);
            long total = 0;
            for (var t : topics) {
                for (int p : Groups.partitions(client, t)) {
                    var lag = client.getLag(t, group, p);
                    total += lag.lag();
                    rows.add(Json.object("topic", t, "partition", p, "committed", lag.committedOffset(),
                            "latest", lag.latestOffset(), "lag", lag.lag()));
                    table.row(t, p, lag.committedOffset(), lag.latestOffset(), lag.lag());
                }
            }
            if (g.json()) {
                g.out().println(Json.write(Json.object("group", group, "partitions", rows, "total_lag", total)));
            } else {
                table.row("TOTAL", "", "", "", total);
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
