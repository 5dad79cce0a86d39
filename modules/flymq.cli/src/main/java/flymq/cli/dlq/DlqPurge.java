package flymq.cli.dlq;

import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq dlq purge`. */
@Command(name = "purge",
        header = "Delete every dead letter of a topic.",
        description = {"", "Deletes the queue topic TOPIC.dlq (as upstream does); the next dead letter starts a "
                + "new one.", "", "Example:", "  flymq dlq purge orders", ""},
        mixinStandardHelpOptions = true)
public final class DlqPurge implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The origin topic.")
    String topic;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var r = client.purgeDlq(topic);
            if (g.json()) {
                g.out().println(Json.write(Json.object("topic", topic, "purged", r.success(),
                        "message", r.message())));
                g.out().flush();
                return r.success() ? ExitCode.OK : ExitCode.FAILED;
            }
            if (!r.success()) {
                throw new CliException(ExitCode.FAILED, r.message());
            }
            g.out().println(r.message());
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
