package flymq.cli.acl;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq acl list`. */
@Command(name = "list",
        header = "List the topic ACLs.",
        description = {"", "Every ACL, by topic, and the broker's default for topics without one.", "", "Example:",
                "  flymq --user admin acl list --output json", ""},
        mixinStandardHelpOptions = true)
public final class AclList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var all = client.listAcls();
            if (g.json()) {
                g.out().println(Json.write(Json.object("default_public", all.defaultPublic(), "acls",
                        all.acls().stream().map(a -> Acls.json(a.topic(), a.exists(), a.isPublic(), a.users(),
                                a.roles())).toList())));
            } else {
                Table table = Table.of("TOPIC", "PUBLIC", "USERS", "ROLES");
                all.acls().forEach(a -> table.row(a.topic(), a.isPublic(), String.join(",", a.users()),
                        String.join(",", a.roles())));
                table.print(g.out());
                g.out().println("topics without an ACL are " + (all.defaultPublic() ? "public" : "not public")
                        + " (auth.default_public)");
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
