package flymq.cli.user;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq user delete`. */
@Command(name = "delete",
        header = "Delete a user.",
        description = {"", "Its open connections are refused at their next request. A user that does not exist is "
                + "an error (exit 1).", "", "Example:", "  flymq --user admin user delete alice", ""},
        mixinStandardHelpOptions = true)
public final class UserDelete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USER", description = "The user.")
    String user;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            client.deleteUser(user);
            if (g.json()) {
                g.out().println(Json.write(Json.object("deleted", user)));
            } else {
                g.out().println("deleted user " + user);
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
