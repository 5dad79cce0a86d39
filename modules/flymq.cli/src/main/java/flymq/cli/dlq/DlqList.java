package flymq.cli.dlq;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq dlq list`. */
@Command(name = "list",
        header = "List the dead letters of a topic not replayed yet.",
        description = {"", "Oldest first: the id REPLAY takes, the failures the record had before it was "
                + "dead-lettered, the error and the record's value. The queue topic's headers hold the rest "
                + "(origin partition and offset, failure times): flymq consume TOPIC.dlq shows them.", "",
                "Example:", "  flymq dlq list orders --max 20", ""},
        mixinStandardHelpOptions = true)
public final class DlqList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The origin topic.")
    String topic;

    @Option(names = {"-n", "--max"}, paramLabel = "N", defaultValue = "100",
            description = "At most N dead letters (default: ${DEFAULT-VALUE}).")
    int max;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var letters = client.fetchDlq(topic, max);
            if (g.json()) {
                var items = new ArrayList<Object>();
                letters.forEach(d -> items.add(Json.object("id", d.id(), "retries", d.retries(), "error", d.error(),
                        "value", d.valueAsString())));
                g.out().println(Json.write(items));
            } else {
                var t = Table.of("ID", "RETRIES", "ERROR", "VALUE").numeric(1);
                letters.forEach(d -> t.row(d.id(), d.retries(), d.error(), d.valueAsString()));
                t.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
