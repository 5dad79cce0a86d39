package flymq.cli.user;

import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq user passwd`. */
@Command(name = "passwd",
        header = "Change a password.",
        description = {"", "Without USER, or with one's own name, changes the password of the --user logged in (its "
                + "current password is the login's). An admin may set another user's password. The new password "
                + "comes from --new-password-file, else FLYMQ_NEW_PASSWORD, else it is asked for twice.", "",
                "Example:", "  flymq --user alice user passwd", "  flymq --user admin user passwd alice", ""},
        mixinStandardHelpOptions = true)
public final class UserPasswd implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "USER", description = "Whose password (default: --user).")
    String user;

    @Option(names = "--new-password-file", paramLabel = "FILE",
            description = "File whose first line is the new password.")
    String passwordFile;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        if (!g.login().present()) {
            throw new CliException(ExitCode.USAGE, "user passwd needs --user (the user logged in)");
        }
        String target = user != null && !user.isEmpty() ? user : g.login().user();
        boolean self = target.equals(g.login().user());
        String current = self ? g.login().password() : "";
        String next = Users.newPassword(passwordFile, target);
        try (var client = Brokers.connect(g)) {
            client.changePassword(target, next, current);
            if (g.json()) {
                g.out().println(Json.write(Json.object("user", target, "changed", true)));
            } else {
                g.out().println("changed the password of user " + target);
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
