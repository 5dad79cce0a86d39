package flymq.cli.user;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq user list`. */
@Command(name = "list",
        header = "List the users.",
        description = {"", "Every user with its roles, permissions and whether it may log in. The bootstrap admin "
                + "(auth.admin_username) appears while it is configured.", "", "Example:",
                "  flymq --user admin user list --output json", ""},
        mixinStandardHelpOptions = true)
public final class UserList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var users = client.listUsers();
            if (g.json()) {
                g.out().println(Json.write(Json.object("users", users.stream().map(Users::json).toList())));
            } else {
                Users.print(g.out(), users);
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
