package flymq.cli.health;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq health live`: the liveness probe. */
@Command(name = "live",
        header = "Ask whether the broker process is alive (GET /live).",
        description = {"", "Prints 'live' and exits 0 when /live answers 2xx; exits 1 on any other answer "
                + "(503: the broker is wedged) and 3 when nothing answers.", ""},
        mixinStandardHelpOptions = true)
public final class HealthLive extends ProbeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return probe(spec, "/live", "live", "not live");
    }
}
