package flymq.cli.audit;

import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `flymq audit export`. */
@Command(name = "export",
        header = "Export audit events as JSON or CSV.",
        description = {"", "Every matching event of the broker connected to (at most 100000), written to --file or "
                + "stdout.", "", "Example:", "  flymq --user admin audit export --format csv --file audit.csv", ""},
        mixinStandardHelpOptions = true)
public final class AuditExport implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AuditFilter filter;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
            description = "json or csv (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--file", paramLabel = "FILE", description = "Write here instead of stdout.")
    Path file;

    @Override
    public Integer call() throws IOException {
        var g = FlyMq.globals(spec);
        if (!format.equals("json") && !format.equals("csv")) {
            throw new CliException(ExitCode.USAGE, "--format must be json or csv, got '" + format + "'");
        }
        try (var client = Brokers.connect(g)) {
            byte[] data = client.exportAudit(filter.request(0, 0), format);
            if (file != null) {
                Files.write(file, data);
                g.err().println("wrote " + data.length + " bytes to " + file);
                g.err().flush();
            } else {
                g.out().print(new String(data, StandardCharsets.UTF_8));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
