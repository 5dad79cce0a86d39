package flymq.cli.health;

import picocli.CommandLine.Command;

/** `flymq health`: the broker's health endpoints, for scripts, probes and CI gates. */
@Command(name = "health",
        mixinStandardHelpOptions = true,
        header = "Ask the broker's health endpoints whether it is alive, ready and healthy.",
        description = {
            "",
            "Queries the HTTP health endpoints (--health-url, default http://localhost:9095): "
                    + "@|bold /live|@, @|bold /ready|@ and @|bold /health|@. Exit code 0 means yes, 1 means the broker "
                    + "answered no, 3 means nothing answered.",
            ""},
        subcommands = {HealthCheck.class, HealthLive.class, HealthReady.class})
public final class HealthCommand {
}
