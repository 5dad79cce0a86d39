package flymq.cli.acl;

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

/** `flymq acl set`. */
@Command(name = "set",
        header = "Set a topic's ACL.",
        description = {"", "Replaces TOPIC's ACL: --public opens it to every logged-in user; otherwise only the "
                + "listed users and roles (besides roles that grant the permission anyway) may read and write it.",
                "", "Example:", "  flymq --user admin acl set orders --allow-user alice --allow-role consumer", ""},
        mixinStandardHelpOptions = true)
public final class AclSet implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic.")
    String topic;

    @Option(names = "--public", description = "Every logged-in user may read and write the topic.")
    boolean isPublic;

    @Option(names = "--allow-user", paramLabel = "USER", split = ",", description = "A user allowed in (repeatable).")
    List<String> users = List.of();

    @Option(names = "--allow-role", paramLabel = "ROLE", split = ",", description = "A role allowed in (repeatable).")
    List<String> roles = List.of();

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            client.setAcl(topic, isPublic, users, roles);
            if (g.json()) {
                g.out().println(Json.write(Acls.json(topic, true, isPublic, users, roles)));
            } else {
                g.out().println("set the ACL of topic " + topic + (isPublic ? ": public"
                        : ": users " + String.join(",", users) + ", roles " + String.join(",", roles)));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
