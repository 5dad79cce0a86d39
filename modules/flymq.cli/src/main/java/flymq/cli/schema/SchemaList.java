package flymq.cli.schema;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq schema list`. */
@Command(name = "list",
        header = "List registered schema versions.",
        description = {"", "One line per live version: subject, format, version. With TOPIC, only the subjects "
                + "that govern it (TOPIC-value and TOPIC).", "", "Example:", "  flymq schema list orders", ""},
        mixinStandardHelpOptions = true)
public final class SchemaList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", arity = "0..1", description = "Only this topic's subjects.")
    String topic;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var all = client.listSchemas(topic == null ? "" : topic);
            if (g.json()) {
                var items = new ArrayList<Object>();
                all.forEach(e -> items.add(Json.object("subject", e.subject(), "type", e.type(), "version",
                        e.version())));
                g.out().println(Json.write(items));
            } else {
                var t = Table.of("SUBJECT", "TYPE", "VERSION").numeric(2);
                all.forEach(e -> t.row(e.subject(), e.type(), e.version()));
                t.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
