package flymq.cli.schema;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq schema get`. */
@Command(name = "get",
        header = "Show a version of a subject's schema.",
        description = {"", "Prints the definition (a Protobuf descriptor set in base64); with --output json also the "
                + "id, version, format and compatibility mode.", "", "Example:",
                "  flymq schema get orders-value 2", ""},
        mixinStandardHelpOptions = true)
public final class SchemaGet implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The subject.")
    String subject;

    @Parameters(index = "1", paramLabel = "VERSION", arity = "0..1", defaultValue = "0",
            description = "The version (default: the latest).")
    int version;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var s = client.getSchema(subject, version);
            String text = s.type().equals("protobuf") ? Base64.getEncoder().encodeToString(s.definition())
                    : new String(s.definition(), StandardCharsets.UTF_8);
            if (g.json()) {
                g.out().println(Json.write(Json.object("subject", s.subject(), "version", s.version(), "id", s.id(),
                        "type", s.type(), "compatibility", s.compatibility(), "schema", text)));
            } else {
                g.out().println(text);
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
