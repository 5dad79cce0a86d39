package flymq.cli.user;

import flymq.cli.Brokers;
import flymq.cli.CliException;
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

/** `flymq user update`. */
@Command(name = "update",
        header = "Change a user's roles, or disable or enable it.",
        description = {"", "Roles not given stay as they are; so does whether the user may log in, unless --disable "
                + "or --enable is given. A disabled user's open connections are refused at their next request.", "",
                "Example:", "  flymq --user admin user update alice --role consumer,producer",
                "  flymq --user admin user update alice --disable", ""},
        mixinStandardHelpOptions = true)
public final class UserUpdate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USER", description = "The user.")
    String user;

    @Option(names = {"-r", "--role"}, paramLabel = "ROLE", split = ",",
            description = "The user's roles from now on (repeat or comma-separate).")
    List<String> roles = List.of();

    @Option(names = "--disable", description = "The user may no longer log in or send requests.")
    boolean disable;

    @Option(names = "--enable", description = "The user may log in again.")
    boolean enable;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        if (disable && enable) {
            throw new CliException(ExitCode.USAGE, "--disable and --enable exclude each other");
        }
        try (var client = Brokers.connect(g)) {
            // USER_UPDATE always carries the enabled flag: keep the current one unless told otherwise
            boolean enabled = enable || !disable && client.getUser(user).enabled();
            client.updateUser(user, roles, enabled);
            var u = client.getUser(user);
            if (g.json()) {
                g.out().println(Json.write(Users.json(u)));
            } else {
                g.out().println("updated user " + u.username() + ": roles " + String.join(",", u.roles())
                        + (u.enabled() ? ", enabled" : ", disabled"));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
