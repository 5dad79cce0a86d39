package flymq.cli.topic;

import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq topic delete`. */
@Command(name = "delete",
        header = "Delete a topic and all its records.",
        description = {"", "Deletes NAME and its partitions' data. Deleting a topic that does not exist is an error "
                + "(exit 1) unless --if-exists is given.", "", "Example:", "  flymq topic delete orders", ""},
        mixinStandardHelpOptions = true)
public final class TopicDelete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The topic to delete.")
    String name;

    @Option(names = "--if-exists", description = "Succeed without change when the topic does not exist.")
    boolean ifExists;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            boolean exists = client.listTopics().contains(name);
            if (!exists && !ifExists) {
                throw CliException.failed("topic '" + name + "' does not exist; 'flymq topic list' shows the "
                        + "topics, --if-exists accepts a missing one");
            }
            if (exists) {
                client.deleteTopic(name);
            }
            if (g.json()) {
                g.out().println(Json.write(Json.object("topic", name, "deleted", exists)));
            } else {
                g.out().println(exists ? "deleted topic " + name : "topic " + name + " does not exist");
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
