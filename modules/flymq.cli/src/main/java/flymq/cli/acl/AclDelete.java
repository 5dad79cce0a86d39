package flymq.cli.acl;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq acl delete`. */
@Command(name = "delete",
        header = "Delete a topic's ACL.",
        description = {"", "The topic falls back to the broker's default (auth.default_public). Deleting an ACL that "
                + "does not exist succeeds.", "", "Example:", "  flymq --user admin acl delete orders", ""},
        mixinStandardHelpOptions = true)
public final class AclDelete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic.")
    String topic;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            client.deleteAcl(topic);
            if (g.json()) {
                g.out().println(Json.write(Json.object("deleted", topic)));
            } else {
                g.out().println("deleted the ACL of topic " + topic);
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
