package flymq.cli.health;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `flymq health ready`: the readiness probe. */
@Command(name = "ready",
        header = "Ask whether the broker accepts traffic (GET /ready).",
        description = {"", "Prints 'ready' and exits 0 when /ready answers 2xx; exits 1 while the broker is "
                + "recovering, shutting down or has no cluster leader (503), and 3 when nothing answers.", ""},
        mixinStandardHelpOptions = true)
public final class HealthReady extends ProbeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return probe(spec, "/ready", "ready", "not ready");
    }
}
