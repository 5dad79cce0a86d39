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

/** `flymq dlq replay`. */
@Command(name = "replay",
        header = "Copy a dead letter back into its topic.",
        description = {"", "The record goes back to the partition it came from, with header flymq.dlq.replay-of, "
                + "once: replaying it again answers that it already was. It then no longer shows in dlq list.", "",
                "Example:", "  flymq dlq replay orders 42", ""},
        mixinStandardHelpOptions = true)
public final class DlqReplay implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The origin topic.")
    String topic;

    @Parameters(index = "1", paramLabel = "ID", description = "The dead letter's id (from dlq list).")
    String id;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var r = client.replayDlq(topic, id);
            if (g.json()) {
                g.out().println(Json.write(Json.object("topic", topic, "id", id, "replayed", r.success(),
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
