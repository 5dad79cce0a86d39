package flymq.cli.user;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq user create`. */
@Command(name = "create",
        header = "Create a user.",
        description = {"", "Creates USER, enabled, with the given roles. The password comes from "
                + "--new-password-file, else FLYMQ_NEW_PASSWORD, else it is asked for twice on the terminal.", "",
                "Example:", "  flymq --user admin user create alice --role producer --new-password-file alice.pw", ""},
        mixinStandardHelpOptions = true)
public final class UserCreate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USER", description = "The new user's name.")
    String user;

    @Option(names = {"-r", "--role"}, paramLabel = "ROLE", split = ",",
            description = "A role: admin, producer, consumer or guest (repeat or comma-separate; default guest).")
    List<String> roles = List.of();

    @Option(names = "--new-password-file", paramLabel = "FILE", description = "File whose first line is the password.")
    String passwordFile;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        String password = Users.newPassword(passwordFile, user);
        try (var client = Brokers.connect(g)) {
            var created = client.createUser(user, password, roles.isEmpty() ? List.of("guest") : roles);
            if (g.json()) {
                g.out().println(Json.write(Users.json(created)));
            } else {
                g.out().println("created user " + created.username() + " with roles "
                        + String.join(",", created.roles()));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
