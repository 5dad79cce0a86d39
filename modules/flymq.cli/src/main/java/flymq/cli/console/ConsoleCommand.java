package flymq.cli.console;

import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.http.HttpEndpoint;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `flymq console`: checks that the broker's admin API answers and prints the web console's URL; with
 * {@code --open} it hands the URL to {@code xdg-open} where there is one.
 */
@Command(name = "console",
        header = "Print the URL of a broker's web console (and open it).",
        description = {
            "",
            "Asks the admin API at --admin-url whether it answers (GET /api/v1/health) and prints the console's "
                    + "URL. The broker serves both on observability.admin.addr, 127.0.0.1:9096 unless configured; "
                    + "'flymq server start' prints the same URL when it starts.",
            "",
            "An https:// URL (observability.admin.tls_enabled) is verified against --tls-ca, else the JVM's "
                    + "trusted CAs; --insecure skips the check.",
            "",
            "Examples:",
            "  flymq console",
            "  flymq console --open",
            "  flymq console --admin-url http://broker-1:9096",
            "  flymq console --admin-url https://localhost:9096 --tls-ca data/tls/ca.crt",
            ""},
        mixinStandardHelpOptions = true)
public final class ConsoleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--admin-url", paramLabel = "URL", defaultValue = "${env:FLYMQ_ADMIN_URL:-http://localhost:9096}",
            description = "Base URL of the admin API (env FLYMQ_ADMIN_URL; default: ${DEFAULT-VALUE}).")
    URI adminUrl;

    @Option(names = "--open", description = "Open the console in a browser with xdg-open, where there is one.")
    boolean open;

    @Override
    public Integer call() throws IOException {
        var g = FlyMq.globals(spec);
        var answer = new HttpEndpoint("the admin API", g.tls()).get(HttpEndpoint.resolve(adminUrl, "/api/v1/health"));
        if (answer.status() == 404) {
            g.err().println("flymq console: " + adminUrl + " answers, but it is not a FlyMQ admin API (404 on "
                    + "/api/v1/health)");
            return ExitCode.FAILED;
        }
        var url = HttpEndpoint.resolve(adminUrl, "/ui/").toString();
        g.out().println(url);
        g.out().flush();
        if (open) {
            Optional<Path> opener = onPath("xdg-open");
            if (opener.isEmpty()) {
                g.err().println("flymq console: no xdg-open on PATH; open " + url + " in a browser");
                return ExitCode.FAILED;
            }
            new ProcessBuilder(opener.get().toString(), url).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }
        return ExitCode.OK;
    }

    static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, program);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }
}
