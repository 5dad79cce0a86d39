package flymq.cli.role;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq role list`. */
@Command(name = "list",
        header = "List the roles and their permissions.",
        description = {"", "Any client may list them, logged in or not.", "", "Example:",
                "  flymq role list --output json", ""},
        mixinStandardHelpOptions = true)
public final class RoleList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var roles = client.listRoles();
            if (g.json()) {
                g.out().println(Json.write(Json.object("roles", roles.stream().map(r -> Json.object("name",
                        r.name(), "permissions", r.permissions(), "description", r.description())).toList())));
            } else {
                Table table = Table.of("ROLE", "PERMISSIONS", "DESCRIPTION");
                roles.forEach(r -> table.row(r.name(), String.join(",", r.permissions()), r.description()));
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
