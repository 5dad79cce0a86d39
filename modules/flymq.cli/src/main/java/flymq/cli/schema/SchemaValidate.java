package flymq.cli.schema;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq schema validate`. */
@Command(name = "validate",
        header = "Check a record against a subject's latest schema.",
        description = {"", "Asks the broker whether RECORD (or the file's bytes) matches the latest version of "
                + "SUBJECT; nothing is stored. Exit 0 when it does, 1 with the violations when not.", "",
                "Example:", "  flymq schema validate orders-value '{\"id\": 1}'", ""},
        mixinStandardHelpOptions = true)
public final class SchemaValidate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The subject.")
    String subject;

    @Parameters(index = "1", paramLabel = "RECORD", arity = "0..1", description = "The record's value, inline.")
    String record;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the record from FILE (binary Avro "
            + "or Protobuf records need this).")
    Path file;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        byte[] bytes = SchemaInput.read(record, file, "record");
        try (var client = Brokers.connect(g)) {
            var r = client.validateSchema(subject, bytes);
            if (g.json()) {
                g.out().println(Json.write(Json.object("subject", subject, "valid", r.valid(), "errors",
                        r.errors())));
            } else if (r.valid()) {
                g.out().println("valid against " + subject);
            } else {
                g.out().println("invalid against " + subject + ":");
                r.errors().forEach(e -> g.out().println("  " + e));
            }
            g.out().flush();
            return r.valid() ? ExitCode.OK : ExitCode.FAILED;
        }
    }
}
