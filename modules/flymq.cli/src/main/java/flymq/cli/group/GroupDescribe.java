package flymq.cli.group;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq group describe`. */
@Command(name = "describe",
        header = "Show a consumer group's members and committed offsets.",
        description = {"", "For each topic the group consumes: its connected members and, per partition, the "
                + "committed offset (the next record the group reads).", "", "Example:",
            "  flymq group describe billing", ""},
        mixinStandardHelpOptions = true)
public final class GroupDescribe implements Callable<Integer> {
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
            var topics = new ArrayList<Object>();
            var table = Table.of("TOPIC", "MEMBERS", "PARTITION", "COMMITTED").numeric(1, 2, 3);
            for (var gi : Groups.of(client, group, topic)) {
                var described = client.describeGroup(gi.topic(), group);
                var partitions = new ArrayList<Object>();
                for (var e : new TreeMap<>(described.committedOffsets()).entrySet()) {
                    partitions.add(Json.object("partition", e.getKey(), "committed", e.getValue()));
                    table.row(described.topic(), described.memberCount(), e.getKey(), e.getValue());
                }
                if (described.committedOffsets().isEmpty()) {
                    table.row(described.topic(), described.memberCount(), null, null);
                }
                topics.add(Json.object("topic", described.topic(), "members", described.memberCount(),
                        "partitions", partitions));
            }
            if (g.json()) {
                g.out().println(Json.write(Json.object("group", group, "topics", topics)));
            } else {
                g.out().println("group: " + group);
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
