package flymq.cli.acl;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq acl get`. */
@Command(name = "get",
        header = "Show a topic's ACL.",
        description = {"", "A topic without an ACL shows exists=false and the broker's default.", "", "Example:",
                "  flymq --user admin acl get orders", ""},
        mixinStandardHelpOptions = true)
public final class AclGet implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic.")
    String topic;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var a = client.getAcl(topic);
            if (g.json()) {
                var o = Acls.json(a.topic(), a.exists(), a.isPublic(), a.users(), a.roles());
                o.put("default_public", a.defaultPublic());
                g.out().println(Json.write(o));
            } else {
                Table table = Table.of("TOPIC", "ACL", "PUBLIC", "USERS", "ROLES");
                table.row(a.topic(), a.exists() ? "set" : "none (default)", a.isPublic(),
                        String.join(",", a.users()), String.join(",", a.roles()));
                table.print(g.out());
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
