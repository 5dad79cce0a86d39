package flymq.cli.topic;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq topic list`. */
@Command(name = "list",
        header = "List the topics.",
        description = {"", "Prints the topic names, sorted; internal topics (names starting with '__') are left out.",
            "", "Example:", "  flymq topic list --output json", ""},
        mixinStandardHelpOptions = true)
public final class TopicList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var topics = client.listTopics();
            if (g.json()) {
                g.out().println(Json.write(Json.object("topics", topics)));
            } else {
                var table = Table.of("TOPIC");
                topics.forEach(table::row);
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
