package flymq.cli.server;

import picocli.CommandLine.Command;

/** `flymq server`: run a broker. */
@Command(name = "server",
        mixinStandardHelpOptions = true,
        header = "Run a FlyMQ broker.",
        description = {"", "Only this command loads the broker's server code; every other command is a client.", ""},
        subcommands = {ServerStart.class})
public final class ServerCommand {
}
