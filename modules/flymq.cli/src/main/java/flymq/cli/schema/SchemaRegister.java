package flymq.cli.schema;

import flymq.cli.Brokers;
import flymq.cli.FlyMq;
import flymq.cli.ExitCode;
import flymq.cli.output.Json;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq schema register`. */
@Command(name = "register",
        header = "Register a new version of a subject's schema.",
        description = {"", "Registers DEFINITION (or the file's content) as the next version of SUBJECT. The broker "
                + "refuses a definition its format's library cannot parse, and one that breaks the subject's "
                + "compatibility mode, naming the version and the change. Registering the latest definition again "
                + "changes nothing and prints its version.", "", "Examples:",
                "  flymq schema register orders-value --type json '{\"type\":\"object\",\"required\":[\"id\"]}'",
                "  flymq schema register users-value --type avro --file user.avsc --compatibility FULL",
                "  flymq schema register events-value --type protobuf --file events.desc", ""},
        mixinStandardHelpOptions = true)
public final class SchemaRegister implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The subject, e.g. TOPIC-value.")
    String subject;

    @Parameters(index = "1", paramLabel = "DEFINITION", arity = "0..1", description = "The schema, inline.")
    String definition;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the schema from FILE.")
    Path file;

    @Option(names = {"-t", "--type"}, paramLabel = "json|avro|protobuf", defaultValue = "json",
            completionCandidates = Types.class, description = "The schema's format (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = {"-c", "--compatibility"}, paramLabel = "MODE", completionCandidates = Modes.class,
            description = "Set the subject's compatibility mode: NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
                    + "FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE (default: keep it; new subjects take the "
                    + "broker's schema.compatibility).")
    String compatibility;

    static final class Types extends java.util.ArrayList<String> {
        Types() {
            super(java.util.List.of("json", "avro", "protobuf"));
        }
    }

    static final class Modes extends java.util.ArrayList<String> {
        Modes() {
            super(java.util.List.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
                    "FULL", "FULL_TRANSITIVE"));
        }
    }

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        byte[] bytes = SchemaInput.read(definition, file, "schema definition");
        try (var client = Brokers.connect(g)) {
            var r = client.registerSchema(subject, type, bytes, compatibility == null ? "" : compatibility);
            if (g.json()) {
                g.out().println(Json.write(Json.object("subject", r.subject(), "type", type, "version", r.version(),
                        "id", r.id())));
            } else {
                g.out().println("registered " + r.subject() + " version " + r.version() + " (id " + r.id() + ")");
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
