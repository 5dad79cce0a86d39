package flymq.cli.group;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq group delete`. */
@Command(name = "delete",
        header = "Delete a consumer group's committed offsets.",
        description = {"", "Forgets GROUP on every topic (or only --topic): its committed offsets and members. "
                + "A group that does not exist is an error (exit 1).", "", "Example:",
            "  flymq group delete billing", ""},
        mixinStandardHelpOptions = true)
public final class GroupDelete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GROUP", description = "The consumer group.")
    String group;

    @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", description = "Only on this topic.")
    String topic;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var topics = new ArrayList<String>();
            for (var gi : Groups.of(client, group, topic)) {
                client.deleteGroup(gi.topic(), group);
                topics.add(gi.topic());
            }
            if (g.json()) {
                g.out().println(Json.write(Json.object("group", group, "topics", topics)));
            } else {
                g.out().println("deleted group " + group + " on " + String.join(", ", topics));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
