package flymq.cli.user;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq user get`. */
@Command(name = "get",
        header = "Show one user.",
        description = {"", "A user that does not exist is an error (exit 1).", "", "Example:",
                "  flymq --user admin user get alice", ""},
        mixinStandardHelpOptions = true)
public final class UserGet implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USER", description = "The user.")
    String user;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var u = client.getUser(user);
            if (g.json()) {
                g.out().println(Json.write(Users.json(u)));
            } else {
                Users.print(g.out(), List.of(u));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
