package flymq.cli.health;

import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.http.HttpEndpoint;
import flymq.cli.output.Json;
import picocli.CommandLine.Model.CommandSpec;

/** The shared logic of `health live` and `health ready`: one GET, exit 0 on 2xx, 1 on any other answer. */
abstract class ProbeCommand {

    int probe(CommandSpec spec, String path, String yes, String no) {
        var g = FlyMq.globals(spec);
        var uri = HttpEndpoint.resolve(g.healthUrl(), path);
        var answer = new HttpEndpoint("the health endpoint", g.tls()).get(uri);
        if (g.json()) {
            g.out().println(Json.write(Json.object(
                    "url", uri.toString(),
                    "http_status", answer.status(),
                    yes, answer.ok())));
        } else {
            g.out().println(answer.ok() ? yes : no + " (HTTP " + answer.status() + " from " + uri + ")");
        }
        g.out().flush();
        return answer.ok() ? ExitCode.OK : ExitCode.FAILED;
    }
}
