package flymq.cli.schema;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq schema delete`. */
@Command(name = "delete",
        header = "Delete a version of a subject, or the whole subject.",
        description = {"", "Without VERSION every version of SUBJECT goes, and with it the enforcement on its topic."
                + " Version numbers are not reused while the subject exists.", "", "Example:",
                "  flymq schema delete orders-value 1", ""},
        mixinStandardHelpOptions = true)
public final class SchemaDelete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The subject.")
    String subject;

    @Parameters(index = "1", paramLabel = "VERSION", arity = "0..1", defaultValue = "0",
            description = "Only this version (default: all).")
    int version;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            client.deleteSchema(subject, version);
            if (g.json()) {
                g.out().println(Json.write(Json.object("subject", subject, "version", version, "deleted", true)));
            } else {
                g.out().println(version == 0 ? "deleted subject " + subject
                        : "deleted " + subject + " version " + version);
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
